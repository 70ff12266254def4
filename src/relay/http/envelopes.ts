// POST /v1/envelopes: one deposit per HTTP request (deposit/accept.ts does the work). Clients
// that deposit often use the long-lived /v1/deposits WebSocket instead.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DepositRequest } from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { acceptDeposit, checkDeposit, depositBodyLimit, depositFromJson, depositResponse } from '../deposit/accept.js';
import { readBody, requireContentType } from './body.js';
import { HttpError, sendJson } from './respond.js';

function parseDeposit(body: Buffer): DepositRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'MALFORMED', 'body is not JSON');
  }
  const parsed = DepositRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'MALFORMED', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid deposit'}`);
  }
  return parsed.data;
}

export async function handleDeposit(ctx: RelayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireContentType(req, 'application/json');
  const request = parseDeposit(await readBody(req, res, depositBodyLimit(ctx.config), ctx.bodyBudget));
  const accepted = await acceptDeposit(ctx, checkDeposit(ctx.config, depositFromJson(request)));
  sendJson(res, accepted.status === 'stored' ? 201 : 200, depositResponse(ctx, accepted));
}
