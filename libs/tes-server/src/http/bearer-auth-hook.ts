import { type FastifyReply, type FastifyRequest } from 'fastify';
import { BearerTokens, bearerTokenOf } from './bearer-tokens';
import { HttpErrorCode, TesHttpError } from './http-error-body';
import { isLoopbackHost } from './loopback-host';

const REALM = 'capstan-tes';

export type AuthSettings = { readonly tokens: readonly string[] } | { readonly disabled: true };

/**
 * The onRequest hook of every protected route. With tokens: a request without `Authorization: Bearer <token>`, or
 * with a token the server does not know, gets a 401 with `WWW-Authenticate: Bearer` (RFC 6750). With authentication
 * disabled (allowed only for a loopback host): a request that arrived on another local address gets a 403, in case
 * the server was made to listen somewhere else than the host its options named. Sockets without an address (a Unix
 * socket, fastify's `inject`) are local by nature and pass.
 */
export function bearerAuthHook(auth: AuthSettings): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if ('disabled' in auth) {
    return async (request) => {
      const local = request.socket.localAddress;
      if (local !== undefined && !isLoopbackHost(local)) {
        throw new TesHttpError(
          HttpErrorCode.Forbidden,
          `authentication is disabled, which is allowed only on loopback, but this request arrived on ${JSON.stringify(local)}; listen on the host given in the server's options (a loopback address), or configure auth.tokens`,
        );
      }
    };
  }
  const tokens = new BearerTokens(auth.tokens);
  return async (request, reply) => {
    const header = request.headers.authorization;
    const token = bearerTokenOf(header);
    if (token !== undefined && tokens.accepts(token)) return;
    if (header === undefined) {
      void reply.header('www-authenticate', `Bearer realm="${REALM}"`);
      throw new TesHttpError(HttpErrorCode.Unauthorized, 'the request has no Authorization header; send "Authorization: Bearer <token>" with a token the server is configured with (auth.tokens)');
    }
    void reply.header('www-authenticate', `Bearer realm="${REALM}", error="invalid_token"`);
    throw new TesHttpError(
      HttpErrorCode.Unauthorized,
      token === undefined
        ? 'the Authorization header is not of the form "Bearer <token>"; send "Authorization: Bearer <token>"'
        : 'the bearer token is not one the server accepts; send a token from the server\'s auth.tokens',
    );
  };
}
