import type { ErrorType } from '../errors/domain-error';

export interface ErrorBody {
  error: {
    type: ErrorType;
    code: string;
    message: string;
    param?: string;
    request_id: string;
    [extra: string]: unknown;
  };
}
