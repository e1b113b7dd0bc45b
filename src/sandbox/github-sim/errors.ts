// GitHub's error bodies: `{ message, documentation_url }`, plus `errors` on
// 422 validation failures and `status` as a string (GitHub added it in 2023).

export interface ValidationErrorItem {
  readonly resource?: string;
  readonly field?: string;
  readonly code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  readonly message?: string;
  readonly value?: string | number;
}

export const DOCS = 'https://docs.github.com/rest';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: readonly ValidationErrorItem[],
    readonly documentationUrl: string = DOCS,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    const body: Record<string, unknown> = { message: this.message, documentation_url: this.documentationUrl };
    if (this.errors) body.errors = this.errors;
    body.status = String(this.status);
    return body;
  }
}

export const notFound = () => new ApiError(404, 'Not Found');

export function validationFailed(errors: ValidationErrorItem[], message = 'Validation Failed'): ApiError {
  return new ApiError(422, message, errors);
}

export function missingField(resource: string, field: string): ApiError {
  return validationFailed([{ resource, field, code: 'missing_field' }]);
}

export function invalidField(resource: string, field: string, value?: string | number): ApiError {
  return validationFailed([{ resource, field, code: 'invalid', ...(value === undefined ? {} : { value }) }]);
}

export const forbiddenForIntegration = () => new ApiError(403, 'Resource not accessible by integration');
export const mustHavePush = () => new ApiError(403, 'Must have push access to repository');
