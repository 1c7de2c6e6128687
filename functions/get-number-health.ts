import { httpHandler, standingReadDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { NumberHealthPathSchema } from '#shared/contracts/http/standing/requests.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { getNumberHealth, type NumberHealthReadDeps } from '#shared/usecases/read-standing.js';

/**
 * GET /phone-numbers/{phoneNumberId}/health: the number's quality rating, throughput (the pace Relais sends at),
 * status, its portfolio's tier and its account's restrictions in effect, with the records Meta's facts built (each
 * aspect's Meta time in `asOf`). 404 when Relais has heard nothing of the number.
 */
export function createGetNumberHealth(deps: NumberHealthReadDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const { phoneNumberId } = parseRequest(NumberHealthPathSchema, event.pathParameters ?? {});
    return json(200, await getNumberHealth(phoneNumberId, deps));
  };
}

export const handler = httpHandler(() => createGetNumberHealth(standingReadDepsFromEnvironment()));
