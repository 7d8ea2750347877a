import { ResultCode, ResultStatus } from './codes.js';

/** The code and status tables as lists, for validators. */
export const RESULT_CODES_LIST = Object.values(ResultCode);
export const RESULT_STATUSES_LIST = Object.values(ResultStatus);
