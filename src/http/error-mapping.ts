import { AppError } from '../lib/errors';

// Errors from lower layers that have a meaning for API clients become AppErrors here.
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  return undefined;
}
