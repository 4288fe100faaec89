import { type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { ANONYMOUS, type Principal } from '../service/principal';
import { basicCredentialsOf, BasicUsers, type PrincipalUser } from './basic-users';
import { bearerTokenOf, type PrincipalToken, PrincipalTokens } from './bearer-tokens';
import { HttpErrorCode, TesHttpError } from './http-error-body';
import { hostOfHeader, isLoopbackHost } from './loopback-host';

const REALM = 'capstan-tes';

/** `users` sign in with HTTP Basic beside the tokens' Bearer: the same principals, the same rules. */
export type AuthSettings = { readonly principals: readonly PrincipalToken[]; readonly users?: readonly PrincipalUser[] } | { readonly disabled: true };

const principals = new WeakMap<FastifyRequest, Principal>();

/**
 * An onRequest hook in fastify's callback form: a request whose check needs no waiting (a bearer token, a loopback
 * check) goes on to its handler in the same turn, without a promise of its own.
 */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

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
export function loopbackOnlyHook(): AuthHook {
  return (request, _reply, done) => {
    const local = request.socket.localAddress;
    if (local !== undefined && !isLoopbackHost(local)) {
      done(
        new TesHttpError(
          HttpErrorCode.Forbidden,
          `authentication is disabled, which is allowed only on loopback, but this request arrived on ${JSON.stringify(local)}; listen on the host given in the server's options (a loopback address), or configure auth.tokens`,
        ),
      );
      return;
    }
    const header = request.headers.host;
    if (header === undefined || !isLoopbackHost(hostOfHeader(header))) {
      done(
        new TesHttpError(
          HttpErrorCode.Forbidden,
          `authentication is disabled, so requests must name a loopback host, but the Host header is ${header === undefined ? 'missing' : JSON.stringify(header)}; call the server as localhost, 127.0.0.1 or [::1] (a page of another site that reaches it through DNS rebinding is refused this way), or configure auth.tokens`,
        ),
      );
      return;
    }
    principals.set(request, ANONYMOUS);
    done();
  };
}

/**
 * The onRequest hook of every protected route. With tokens: a request without `Authorization: Bearer <token>`, or
 * with a token the server does not know, gets a 401 with `WWW-Authenticate: Bearer` (RFC 6750); a known token names
 * the request's principal. With users too, `Authorization: Basic` (RFC 7617) is accepted beside it, and a wrong user
 * name and a wrong password get the same 401 (which part was wrong is not said). With authentication disabled,
 * {@link loopbackOnlyHook} already named the anonymous principal, so there is nothing left to check.
 */
export function bearerAuthHook(auth: AuthSettings): AuthHook {
  // Checked again here, so a protected route is never open even where the global hook was not installed.
  if ('disabled' in auth) return loopbackOnlyHook();
  const tokens = new PrincipalTokens(auth.principals);
  const users = new BasicUsers(auth.users ?? []);
  const challenges = users.size === 0 ? [`Bearer realm="${REALM}"`] : [`Bearer realm="${REALM}"`, `Basic realm="${REALM}", charset="UTF-8"`];
  const forms = users.size === 0 ? '"Authorization: Bearer <token>"' : '"Authorization: Bearer <token>" or "Authorization: Basic <base64 of user:password>"';

  /** Names the request's principal, or answers why not: the error for the request, its headers set on the reply. */
  const judge = (request: FastifyRequest, reply: FastifyReply, principal: Principal | 'busy' | undefined, basic: boolean, token: string | undefined): Error | undefined => {
    if (principal === 'busy') {
      void reply.header('retry-after', '1');
      return new TesHttpError(HttpErrorCode.TooManyRequests, 'the server is checking too many passwords at once; send the request again in a second (Retry-After)');
    }
    if (principal !== undefined) {
      principals.set(request, principal);
      return undefined;
    }
    if (request.headers.authorization === undefined) {
      void reply.header('www-authenticate', challenges);
      return new TesHttpError(HttpErrorCode.Unauthorized, `the request has no Authorization header; send ${forms} with credentials the server is configured with (auth.tokens${users.size === 0 ? '' : ', auth.users'})`);
    }
    void reply.header('www-authenticate', basic ? challenges : [`Bearer realm="${REALM}", error="invalid_token"`, ...challenges.slice(1)]);
    return new TesHttpError(
      HttpErrorCode.Unauthorized,
      basic
        ? 'the user name and password are not a pair the server accepts; send a user of the server\'s auth.users with its password'
        : token === undefined
          ? `the Authorization header is not of the form ${forms}; send one of those`
          : 'the bearer token is not one the server accepts; send a token from the server\'s auth.tokens',
    );
  };

  return (request, reply, done) => {
    const header = request.headers.authorization;
    const credentials = users.size === 0 ? undefined : basicCredentialsOf(header);
    if (credentials !== undefined) {
      // A password is checked off the event loop: the request goes on when its answer comes.
      // Whatever fails on the way (the check, the judging) answers the request as an error, never as an open promise.
      users
        .find(credentials.user, credentials.password)
        .then((principal) => judge(request, reply, principal, true, undefined))
        .then(
          (answer) => done(answer),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      return;
    }
    const token = bearerTokenOf(header);
    done(judge(request, reply, token === undefined ? undefined : tokens.find(token), false, token));
  };
}
