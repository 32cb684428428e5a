import { isDatabaseUnavailable } from '../db/unavailable';
import {
  AppError,
  DatabaseUnavailableError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../lib/errors';
import {
  ModeApiError,
  ModeBadGatewayError,
  ModeForbiddenError,
  ModeNotFoundError,
  ModeTimeoutError,
  ModeUnauthorizedError,
  ModeUnavailableError,
} from '../mode';

// Errors from lower layers that have a meaning for API clients become AppErrors here. MODE's
// own reasons are not passed through: clients see the contract's codes only.
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof ModeUnauthorizedError || error instanceof ModeForbiddenError) {
    return new ForbiddenError('MODE refused this for your account');
  }
  if (error instanceof ModeNotFoundError) return new NotFoundError('Not found in MODE');
  if (error instanceof ModeApiError) return new UpstreamError('MODE rejected the request');
  if (error instanceof ModeTimeoutError) return new UpstreamTimeoutError();
  if (error instanceof ModeUnavailableError) return new UpstreamUnavailableError();
  if (error instanceof ModeBadGatewayError) return new UpstreamError();
  if (isDatabaseUnavailable(error)) return new DatabaseUnavailableError();
  return undefined;
}
