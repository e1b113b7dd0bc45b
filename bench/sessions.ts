export async function benchSessions(): Promise<void> {}
