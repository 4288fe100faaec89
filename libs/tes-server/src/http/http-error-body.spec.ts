import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { errorBody, HttpErrorCode, statusForErrorCode, TesHttpError } from './http-error-body';

describe('statusForErrorCode', () => {
  it.each<[string, number]>([
    [ErrorCode.TesInvalidTask, 400],
    [ErrorCode.TesUnsupportedBackendParameters, 400],
    [ErrorCode.TesInvalidQuery, 400],
    [ErrorCode.TransferRefused, 400],
    [HttpErrorCode.InvalidJson, 400],
    [HttpErrorCode.BadRequest, 400],
    [HttpErrorCode.Unauthorized, 401],
    [HttpErrorCode.Forbidden, 403],
    [ErrorCode.TesTaskNotFound, 404],
    [HttpErrorCode.RouteNotFound, 404],
    [ErrorCode.TesInvalidTransition, 409],
    [ErrorCode.TesBodyTooLarge, 413],
    [HttpErrorCode.UnsupportedMediaType, 415],
    [ErrorCode.TransferFailed, 500],
    [ErrorCode.BackendFailure, 500],
    [HttpErrorCode.Internal, 500],
    ['something.new', 500],
  ])('%s -> %d', (code, status) => {
    expect(statusForErrorCode(code)).toBe(status);
  });
});

describe('errorBody', () => {
  it('is the error\'s code, message and path, with the status', () => {
    expect(errorBody(new CapstanError(ErrorCode.TesInvalidQuery, 'page_size is "0"; ask for 1 to 2047', { path: 'page_size' }))).toEqual({
      code: 'tes.invalid_query',
      message: 'page_size is "0"; ask for 1 to 2047',
      path: 'page_size',
      status: 400,
    });
    expect(errorBody(new TesHttpError(HttpErrorCode.RouteNotFound, 'no route'))).toEqual({ code: 'http.route_not_found', message: 'no route', path: null, status: 404 });
  });
});
