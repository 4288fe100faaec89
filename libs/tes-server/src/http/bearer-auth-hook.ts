import { type FastifyReply, type FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from '../service/principal';
import { basicCredentialsOf, BasicUsers, type PrincipalUser } from './basic-users';
import { bearerTokenOf, type PrincipalToken, PrincipalTokens } from './bearer-tokens';
import { HttpErrorCode, TesHttpError } from './http-error-body';
import { hostOfHeader, isLoopbackHost } from './loopback-host';

const REALM = 'capstan-tes';

/** `users` sign in with HTTP Basic beside the tokens' Bearer: the same principals, the same rules. */
export type AuthSettings = { readonly principals: readonly PrincipalToken[]; readonly users?: readonly PrincipalUser[] } | { readonly disabled: true };

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal the auth hook found for the request; undefined on routes without the hook. */
export function findPrincipal(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/** The principal the auth hook found for a request of a protected route. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  // A route that asks is protected, so the hook ran; reaching here without one is a wiring mistake, not a client's.
  if (principal === undefined) throw new Error(`no principal for ${request.method} ${request.url}: the route is not protected by the auth hook`);
  return principal;
}

/**
 * The onRequest hook of every request, routes and not (docs, 404s), when authentication is disabled: the request must
 * have arrived on a loopback address, in case the server was made to listen elsewhere than its options named, and its
 * Host header must name loopback, so that a web page on another site whose name an attacker re-pointed at 127.0.0.1
 * (DNS rebinding) cannot drive the server from a browser on this machine. Sockets without an address (a Unix socket,
 * fastify's `inject`) are local by nature and pass the first check.
 */
export function loopbackOnlyHook(): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const local = request.socket.localAddress;
    if (local !== undefined && !isLoopbackHost(local)) {
      throw new TesHttpError(
        HttpErrorCode.Forbidden,
        `authentication is disabled, which is allowed only on loopback, but this request arrived on ${JSON.stringify(local)}; listen on the host given in the server's options (a loopback address), or configure auth.tokens`,
      );
    }
    const header = request.headers.host;
    if (header === undefined || !isLoopbackHost(hostOfHeader(header))) {
      throw new TesHttpError(
        HttpErrorCode.Forbidden,
        `authentication is disabled, so requests must name a loopback host, but the Host header is ${header === undefined ? 'missing' : JSON.stringify(header)}; call the server as localhost, 127.0.0.1 or [::1] (a page of another site that reaches it through DNS rebinding is refused this way), or configure auth.tokens`,
      );
    }
    principals.set(request, ANONYMOUS);
  };
}

/**
 * The onRequest hook of every protected route. With tokens: a request without `Authorization: Bearer <token>`, or
 * with a token the server does not know, gets a 401 with `WWW-Authenticate: Bearer` (RFC 6750); a known token names
 * the request's principal. With users too, `Authorization: Basic` (RFC 7617) is accepted beside it, and a wrong user
 * name and a wrong password get the same 401 (which part was wrong is not said). With authentication disabled,
 * {@link loopbackOnlyHook} already named the anonymous principal, so there is nothing left to check.
 */
export function bearerAuthHook(auth: AuthSettings): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  // Checked again here, so a protected route is never open even where the global hook was not installed.
  if ('disabled' in auth) return loopbackOnlyHook();
  const tokens = new PrincipalTokens(auth.principals);
  const users = new BasicUsers(auth.users ?? []);
  const challenges = users.size === 0 ? [`Bearer realm="${REALM}"`] : [`Bearer realm="${REALM}"`, `Basic realm="${REALM}", charset="UTF-8"`];
  const forms = users.size === 0 ? '"Authorization: Bearer <token>"' : '"Authorization: Bearer <token>" or "Authorization: Basic <base64 of user:password>"';
  return async (request, reply) => {
    const header = request.headers.authorization;
    const credentials = users.size === 0 ? undefined : basicCredentialsOf(header);
    const token = credentials === undefined ? bearerTokenOf(header) : undefined;
    const principal = credentials !== undefined ? await users.find(credentials.user, credentials.password) : token === undefined ? undefined : tokens.find(token);
    if (principal === 'busy') {
      void reply.header('retry-after', '1');
      throw new TesHttpError(HttpErrorCode.TooManyRequests, 'the server is checking too many passwords at once; send the request again in a second (Retry-After)');
    }
    if (principal !== undefined) {
      principals.set(request, principal);
      return;
    }
    if (header === undefined) {
      void reply.header('www-authenticate', challenges);
      throw new TesHttpError(HttpErrorCode.Unauthorized, `the request has no Authorization header; send ${forms} with credentials the server is configured with (auth.tokens${users.size === 0 ? '' : ', auth.users'})`);
    }
    void reply.header('www-authenticate', credentials === undefined ? [`Bearer realm="${REALM}", error="invalid_token"`, ...challenges.slice(1)] : challenges);
    throw new TesHttpError(
      HttpErrorCode.Unauthorized,
      credentials !== undefined
        ? 'the user name and password are not a pair the server accepts; send a user of the server\'s auth.users with its password'
        : token === undefined
          ? `the Authorization header is not of the form ${forms}; send one of those`
          : 'the bearer token is not one the server accepts; send a token from the server\'s auth.tokens',
    );
  };
}
