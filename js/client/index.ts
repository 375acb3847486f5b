/**
 * `hybrid-auth/client`: a typed fetch client for the hybrid-auth routes, for
 * browsers, Workers and Node (it needs only fetch; BroadcastChannel where
 * there are tabs to coordinate). No dependency: passkeys load
 * @simplewebauthn/browser (an optional peer) with import() on first use, or
 * take the two functions as an option.
 *
 *   const auth = createClient({ baseUrl: "https://api.example.com/auth" });
 *   await auth.login({ email, password });
 *   const { user } = await auth.me();     // refreshes first when the token is about to expire
 *
 * Refresh is single-flight: one POST /refresh at a time per client, shortly
 * before the access token expires and once after a 401; concurrent calls
 * wait for it. Tabs share tokens over a BroadcastChannel: the tab whose
 * refresh rotated the token posts the new tokens, and a tab whose own refresh
 * got 409 refresh_token_rotated (the same token, rotated by another tab a
 * moment earlier) adopts them instead of failing.
 *
 * The request and answer types are the server's route declarations
 * (js/src/api/requests.ts, responses.ts): the same source as the OpenAPI
 * document at <baseUrl>/openapi.json.
 */
import type * as Req from "../src/api/requests";
import type * as Res from "../src/api/responses";
import type * as Totp from "../src/api/totp";
import type * as Social from "../src/api/social";
import type { ErrorCode } from "../src/errors";
import { HybridAuthError, MfaRequiredError, errorFromResponse } from "./errors";
import { memoryStorage } from "./storage";
import type { TokenStorage, Tokens } from "./storage";
import { openChannel } from "./channel";
import type { ChannelLike, ChannelMessage } from "./channel";

export { HybridAuthError, MfaRequiredError, memoryStorage };
export { webStorage } from "./storage";
export type { ChannelLike, ChannelMessage, ErrorCode, TokenStorage, Tokens };
export type {
  ChangePasswordBody,
  EmailChangeBody,
  PasswordResetCompleteBody,
  PasskeyRenameBody,
  PasswordResetRequestBody,
  RegisterBody,
} from "../src/api/requests";
export type {
  ChangePasswordResponseBody,
  DevMailboxResponseBody,
  PluginsResponseBody,
  JwksResponseBody,
  EmailChangePendingResponseBody,
  EmailChangedResponseBody,
  EmailVerifiedResponseBody,
  LoginViewBody,
  PasswordResetRequestedResponseBody,
  PasswordResetResponseBody,
  RegistrationPendingResponseBody,
  RevokeOthersResponseBody,
  SessionRevokedResponseBody,
  SessionsResponseBody,
  VerificationResendResponseBody,
  LoginResponseBody,
  LogoutAllResponseBody,
  LogoutResponseBody,
  MeResponseBody,
  PasskeyCreatedResponseBody,
  PasskeyDeletedResponseBody,
  PasskeyRenamedResponseBody,
  PasskeyListResponseBody,
  PasskeyOptionsResponseBody,
  RegisterResponseBody,
  UsageResponseBody,
} from "../src/api/responses";

/** The custom header cookie-mode requests carry (the server's CSRF check, js/src/browser/csrf.ts). */
export const CSRF_HEADER = "X-Requested-With";
export const CSRF_HEADER_VALUE = "hybrid-auth";

/** The two functions of @simplewebauthn/browser the client uses. */
export interface WebAuthnFunctions {
  startAuthentication(args: { optionsJSON: never }): Promise<unknown>;
  startRegistration(args: { optionsJSON: never }): Promise<unknown>;
}

export interface ClientOptions {
  /** Where the auth routes are mounted, e.g. "https://api.example.com/auth" or "/auth" in a page. */
  baseUrl: string;
  /** Defaults to globalThis.fetch. In a Worker: `(req) => env.AUTH.fetch(req)`, in tests `(req) => worker.fetch(req, env, ctx)`. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * "bearer" (default): tokens in `storage`, the refresh token sent in the body.
   * "cookie": the server keeps the refresh token in an HttpOnly cookie; the
   * access token stays in this client's memory (storage is not used); every
   * request is sent with credentials and the CSRF header.
   */
  mode?: "bearer" | "cookie";
  /** Bearer mode: where the tokens live (default: memory). `webStorage(sessionStorage)` survives a reload. */
  storage?: TokenStorage;
  /**
   * Cross-tab coordination: a BroadcastChannel name, an object like one, or false. Default:
   * "hybrid-auth" in browsers; none in Node, where an open channel would keep the process
   * alive (name one to opt in, then call close() when done).
   */
  channel?: string | ChannelLike | false;
  /** Refresh when the access token expires within this many seconds (default 30). */
  refreshLeewaySeconds?: number;
  /** How long a tab whose refresh got 409 waits for another tab's tokens (default 5000 ms). */
  rotationWaitMs?: number;
  /** The clock, in ms (tests). */
  now?: () => number;
  /** @simplewebauthn/browser's functions; default: imported on first passkey use. */
  webauthn?: WebAuthnFunctions;
  /** Called when the tokens change (login, refresh, another tab, logout: null). */
  onTokens?: (tokens: Tokens | null) => void;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

const SUPPORTS_CREDENTIALS = typeof Request !== "undefined" && "credentials" in Request.prototype;

/** Every route the client calls, as [method, path] (a test checks it against the server's route table). */
export const CLIENT_ROUTES = {
  register: ["POST", "/register"],
  login: ["POST", "/login"],
  me: ["GET", "/me"],
  logout: ["POST", "/logout"],
  refresh: ["POST", "/refresh"],
  logoutAll: ["POST", "/logout-all"],
  usage: ["GET", "/usage"],
  passkeyRegisterOptions: ["POST", "/passkey/register/options"],
  passkeyRegisterVerify: ["POST", "/passkey/register/verify"],
  passkeyLoginOptions: ["POST", "/passkey/login/options"],
  passkeyLoginVerify: ["POST", "/passkey/login/verify"],
  passkeys: ["GET", "/passkeys"],
  deletePasskey: ["DELETE", "/passkeys/:id"],
  renamePasskey: ["PATCH", "/passkeys/:id"],
  sessions: ["GET", "/sessions"],
  revokeSession: ["DELETE", "/sessions/:id"],
  revokeOtherSessions: ["POST", "/sessions/revoke-others"],
  changePassword: ["POST", "/change-password"],
  requestPasswordReset: ["POST", "/password/reset/request"],
  completePasswordReset: ["POST", "/password/reset/complete"],
  verifyEmail: ["POST", "/email/verify"],
  resendVerification: ["POST", "/email/verify/resend"],
  changeEmail: ["POST", "/email/change"],
  confirmEmailChange: ["POST", "/email/change/confirm"],
  devMailbox: ["GET", "/dev/mailbox"],
  totpStatus: ["GET", "/totp"],
  enrollTotp: ["POST", "/totp/enroll"],
  confirmTotp: ["POST", "/totp/enroll/confirm"],
  verifyTotp: ["POST", "/totp/verify"],
  regenerateRecoveryCodes: ["POST", "/totp/recovery-codes"],
  disableTotp: ["DELETE", "/totp"],
  socialProviders: ["GET", "/social/providers"],
  socialLogin: ["GET", "/social/:provider/login"],
  socialExchange: ["POST", "/social/exchange"],
  socialLink: ["POST", "/social/:provider/link"],
  socialIdentities: ["GET", "/social/identities"],
  socialUnlink: ["DELETE", "/social/identities/:provider"],
  openApi: ["GET", "/openapi.json"],
  plugins: ["GET", "/plugins"],
  jwks: ["GET", "/.well-known/jwks.json"],
} as const satisfies Record<string, readonly [Method, string]>;

export interface CallOptions {
  /** JSON body. */
  body?: unknown;
  /** Send the access token (and refresh around it). */
  auth?: boolean;
  query?: Record<string, string>;
}

export interface LoginOptions {
  /** false: the short lifetime (a shared computer). */
  remember?: boolean;
}

/**
 * The client methods each server plugin brings (its id in GET /plugins and in
 * `auth.plugins`). Typed with the server, `createClient<typeof auth>(...)`, a
 * client has only the methods of the plugins that server mounts (as
 * better-auth's client plugins do); untyped, it has them all.
 */
export const PLUGIN_METHODS = {
  passkeys: ["passkeyLoginOptions", "passkeyLoginVerify", "loginWithPasskey", "passkeyRegisterOptions", "passkeyRegisterVerify", "addPasskey", "passkeys", "deletePasskey", "renamePasskey"],
  email: ["requestPasswordReset", "completePasswordReset", "verifyEmail", "resendVerification", "changeEmail", "confirmEmailChange", "devMailbox"],
  sessions: ["sessions", "revokeSession", "revokeOtherSessions"],
  usage: ["usage"],
  browser: [],
  totp: ["totpStatus", "enrollTotp", "confirmTotp", "verifyTotp", "regenerateRecoveryCodes", "disableTotp"],
  social: ["socialProviders", "socialLoginUrl", "socialExchange", "socialLink", "socialIdentities", "socialUnlink"],
} as const;

/** The plugins this client knows methods of. */
export type ClientPluginId = keyof typeof PLUGIN_METHODS;

/** What the client needs of the server's type: `typeof auth` (createAuth's result) has it. */
export interface ServerLike {
  readonly plugins: readonly string[];
}

type AllPlugins = { readonly plugins: readonly ClientPluginId[] };
type FullClient = ReturnType<typeof buildClient>;

/** A client for a server of type S: the core methods, plus those of the plugins S mounts. */
export type HybridAuthClient<S extends ServerLike = AllPlugins> = Omit<FullClient, (typeof PLUGIN_METHODS)[Exclude<ClientPluginId, S["plugins"][number]>][number]>;

/**
 * Creates a client. `createClient<typeof auth>({ baseUrl })` types it by the
 * server's plugins (a method of a plugin the server does not mount is a
 * compile error); the methods all exist at run time and answer the server's
 * 404 if called anyway.
 */
export function createClient<S extends ServerLike = AllPlugins>(options: ClientOptions): HybridAuthClient<S> {
  return buildClient(options);
}

function buildClient(options: ClientOptions) {
  const mode = options.mode ?? "bearer";
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const now = options.now ?? (() => Date.now());
  const leewayMs = (options.refreshLeewaySeconds ?? 30) * 1000;
  const rotationWaitMs = options.rotationWaitMs ?? 5000;
  // Cookie mode keeps the access token in memory only (issue 15).
  const storage = mode === "cookie" ? memoryStorage() : (options.storage ?? memoryStorage());
  const channel = openChannel(options.channel);
  let inflight: Promise<Tokens> | null = null;
  /** Resolvers of refreshes waiting for another tab's tokens (the 409 path). */
  const waiting = new Set<(tokens: Tokens | null) => void>();

  const current = (): Tokens | null => storage.get();
  const setTokens = (tokens: Tokens | null, broadcast: boolean) => {
    storage.set(tokens);
    options.onTokens?.(tokens);
    for (const resolve of waiting) resolve(tokens);
    waiting.clear();
    if (broadcast) channel?.postMessage(tokens ? { type: "tokens", tokens } : { type: "logout" });
  };
  channel?.addEventListener("message", (event) => {
    const message = event.data as ChannelMessage | undefined;
    if (message?.type === "tokens" && message.tokens) setTokens(message.tokens, false);
    else if (message?.type === "logout") setTokens(null, false);
  });

  const tokensOf = (answer: Res.LoginResponseBody): Tokens => ({
    token: answer.token,
    tokenType: answer.token_type,
    expiresAt: answer.expires_at,
    ...(answer.refresh_token !== undefined ? { refreshToken: answer.refresh_token } : {}),
    ...(answer.refresh_expires_at !== undefined ? { refreshExpiresAt: answer.refresh_expires_at } : {}),
  });

  async function raw(method: Method, path: string, call: CallOptions, token: string | null): Promise<Response> {
    const headers = new Headers({ Accept: "application/json" });
    if (call.body !== undefined) headers.set("Content-Type", "application/json");
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (mode === "cookie") headers.set(CSRF_HEADER, CSRF_HEADER_VALUE);
    const query = call.query && Object.keys(call.query).length ? `?${new URLSearchParams(call.query).toString()}` : "";
    const init: RequestInit = { method, headers };
    if (call.body !== undefined) init.body = JSON.stringify(call.body);
    // Browsers send the refresh cookie cross-origin only with credentials; workerd has no such field (and refuses it).
    if (mode === "cookie" && SUPPORTS_CREDENTIALS) (init as RequestInit & { credentials?: string }).credentials = "include";
    let response: Response;
    try {
      response = await send(new Request(`${baseUrl}${path}${query}`, init));
    } catch (err) {
      throw new HybridAuthError(0, "network_error", err instanceof Error ? err.message : "the server could not be reached");
    }
    return response;
  }

  async function parse<T>(response: Response): Promise<T> {
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  /** Can this client refresh at all? */
  const canRefresh = (tokens: Tokens | null) => mode === "cookie" || Boolean(tokens?.refreshToken);

  /** One refresh at a time: every caller during a refresh gets the same promise. */
  function refresh(): Promise<Tokens> {
    inflight ??= rotate().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function rotate(): Promise<Tokens> {
    const before = current();
    const presented = before?.refreshToken;
    if (mode === "bearer" && !presented) throw new HybridAuthError(401, "invalid_refresh_token", "no refresh token: log in again");
    const response = await raw("POST", CLIENT_ROUTES.refresh[1], { body: mode === "cookie" ? {} : { refresh_token: presented } }, null);
    if (response.ok) {
      const tokens = tokensOf((await response.json()) as Res.LoginResponseBody);
      setTokens(tokens, true);
      return tokens;
    }
    const error = await errorFromResponse(response);
    if (error.code === "refresh_token_rotated") {
      // Another tab rotated this very token a moment ago: take its tokens.
      const adopted = await adoptRotated(before, presented);
      if (adopted) return adopted;
    }
    if (mode === "cookie" && error.code === "missing_field") {
      // No cookie came with the request (never signed in, signed out elsewhere, or the cookie
      // expired): the server says the token field is missing. To the app that is "signed out".
      setTokens(null, false);
      throw new HybridAuthError(401, "missing_token", "not signed in: no refresh cookie was sent");
    }
    if (response.status === 401) setTokens(null, false);
    throw error;
  }

  /**
   * The 409 path: tokens another tab already broadcast (or wrote to shared storage)
   * while this refresh was in flight, else the next ones it broadcasts. "Already" is
   * judged by the access token too: in cookie mode there is no refresh token to compare,
   * and the winning tab's broadcast often lands before this tab's 409 does.
   */
  async function adoptRotated(before: Tokens | null, presented: string | undefined): Promise<Tokens | null> {
    const latest = current();
    if (latest && mode === "bearer" && latest.refreshToken && latest.refreshToken !== presented) return latest;
    if (latest && latest.token !== before?.token) return latest;
    if (!channel) return null;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(done);
        resolve(null);
      }, rotationWaitMs);
      const done = (tokens: Tokens | null) => {
        clearTimeout(timer);
        resolve(tokens);
      };
      waiting.add(done);
    });
  }

  /** A call with the access token: refresh first when it is about to expire, and once more after a 401. */
  async function authed<T>(method: Method, path: string, call: CallOptions = {}): Promise<T> {
    let tokens = current();
    if (tokens && canRefresh(tokens) && tokens.expiresAt * 1000 - now() <= leewayMs) tokens = await refresh();
    if (!tokens && mode === "cookie") tokens = await refresh();
    if (!tokens) throw new HybridAuthError(401, "missing_token", "not signed in");
    const response = await raw(method, path, call, tokens.token);
    if (response.status !== 401 || !canRefresh(tokens)) return parse<T>(response);
    const first = await errorFromResponse(response);
    // A missing token is the client's bug, not an expiry: no refresh for it.
    if (first.code !== "invalid_token") throw first;
    // Another call may have refreshed meanwhile: then retry with its token, else refresh now.
    const latest = current();
    const fresh = latest && latest.token !== tokens.token ? latest : await refresh();
    return parse<T>(await raw(method, path, call, fresh.token));
  }

  async function signIn(response: Response): Promise<Res.LoginResponseBody> {
    const answer = await parse<Res.LoginResponseBody | Totp.MfaRequiredResponseBody>(response);
    // The totp plugin held the login: no tokens yet (verifyTotp finishes it).
    if ("mfa_required" in answer) throw new MfaRequiredError(answer.ticket, answer.expires_at);
    setTokens(tokensOf(answer), true);
    return answer;
  }

  let webauthn: Promise<WebAuthnFunctions> | null = null;
  function webauthnFunctions(): Promise<WebAuthnFunctions> {
    if (options.webauthn) return Promise.resolve(options.webauthn);
    // Optional peer dependency, loaded only by the passkey methods.
    webauthn ??= import("@simplewebauthn/browser") as Promise<WebAuthnFunctions>;
    return webauthn;
  }

  const refreshDelivery = mode === "cookie" ? { refresh: "cookie" as const } : {};
  const path = (route: keyof typeof CLIENT_ROUTES) => CLIENT_ROUTES[route][1];

  return {
    mode,
    /** The tokens this client holds (null: signed out). */
    tokens: current,
    /** Use tokens obtained elsewhere (e.g. by a second client for a confirmation), here and in other tabs. */
    adopt: (tokens: Tokens) => setTokens(tokens, true),
    /** Forget the tokens here (and in other tabs) without asking the server. */
    forget: () => setTokens(null, true),
    /** Any route, e.g. one this version has no method for yet. */
    call: <T>(method: Method, routePath: string, call: CallOptions = {}): Promise<T> =>
      call.auth ? authed<T>(method, routePath, call) : raw(method, routePath, call, null).then((r) => parse<T>(r)),

    /** 201 {user}; with email verification on, 202 {verification_sent} (the same for a taken address). */
    register: async (body: Req.RegisterBody): Promise<Res.RegisterResponseBody | Res.RegistrationPendingResponseBody> => parse(await raw("POST", path("register"), { body }, null)),
    login: async (body: Pick<Req.LoginBody, "email" | "password"> & LoginOptions): Promise<Res.LoginResponseBody> =>
      signIn(await raw("POST", path("login"), { body: { ...body, ...refreshDelivery } }, null)),
    /** Rotates the refresh token now (single-flight). */
    refresh,
    me: () => authed<Res.MeResponseBody>("GET", path("me")),
    logout: async (): Promise<Res.LogoutResponseBody> => {
      try {
        return await authed<Res.LogoutResponseBody>("POST", path("logout"));
      } finally {
        // Whatever the server said, this client (and its tabs) forget the login.
        setTokens(null, true);
      }
    },
    logoutAll: async (): Promise<Res.LogoutAllResponseBody> => {
      const answer = await authed<Res.LogoutAllResponseBody>("POST", path("logoutAll"));
      setTokens(null, true);
      return answer;
    },
    usage: (query: { days?: number } = {}) =>
      authed<Res.UsageResponseBody>("GET", path("usage"), query.days === undefined ? {} : { query: { days: String(query.days) } }),

    passkeyLoginOptions: async (): Promise<Res.PasskeyOptionsResponseBody> => parse(await raw("POST", path("passkeyLoginOptions"), {}, null)),
    passkeyLoginVerify: async (response: unknown, login: LoginOptions = {}): Promise<Res.LoginResponseBody> =>
      signIn(await raw("POST", path("passkeyLoginVerify"), { body: { response, ...login, ...refreshDelivery } }, null)),
    /** The whole passkey sign-in: options, the browser's ceremony, verify. */
    loginWithPasskey: async (login: LoginOptions = {}): Promise<Res.LoginResponseBody> => {
      const { options: optionsJSON } = await parse<Res.PasskeyOptionsResponseBody>(await raw("POST", path("passkeyLoginOptions"), {}, null));
      const { startAuthentication } = await webauthnFunctions();
      const response = await startAuthentication({ optionsJSON: optionsJSON as never });
      return signIn(await raw("POST", path("passkeyLoginVerify"), { body: { response, ...login, ...refreshDelivery } }, null));
    },
    passkeyRegisterOptions: () => authed<Res.PasskeyOptionsResponseBody>("POST", path("passkeyRegisterOptions")),
    passkeyRegisterVerify: (response: unknown, label?: string) =>
      authed<Res.PasskeyCreatedResponseBody>("POST", path("passkeyRegisterVerify"), { body: label === undefined ? { response } : { response, label } }),
    /** The whole passkey registration (sudo mode: may throw reauthentication_required). */
    addPasskey: async (label?: string): Promise<Res.PasskeyCreatedResponseBody> => {
      const { options: optionsJSON } = await authed<Res.PasskeyOptionsResponseBody>("POST", path("passkeyRegisterOptions"));
      const { startRegistration } = await webauthnFunctions();
      const response = await startRegistration({ optionsJSON: optionsJSON as never });
      return authed<Res.PasskeyCreatedResponseBody>("POST", path("passkeyRegisterVerify"), { body: label === undefined ? { response } : { response, label } });
    },
    passkeys: () => authed<Res.PasskeyListResponseBody>("GET", path("passkeys")),
    deletePasskey: (id: string) => authed<Res.PasskeyDeletedResponseBody>("DELETE", path("deletePasskey").replace(":id", encodeURIComponent(id))),
    renamePasskey: (id: string, label: string) =>
      authed<Res.PasskeyRenamedResponseBody>("PATCH", path("renamePasskey").replace(":id", encodeURIComponent(id)), { body: { label } satisfies Req.PasskeyRenameBody }),

    // Issue 14: the account routes.
    /** The user's live logins, the current one first. */
    sessions: () => authed<Res.SessionsResponseBody>("GET", path("sessions")),
    /** Ends one login (an id from sessions()). */
    revokeSession: (id: string) => authed<Res.SessionRevokedResponseBody>("DELETE", path("revokeSession").replace(":id", encodeURIComponent(id))),
    /** Ends every login of the user but this one. */
    revokeOtherSessions: () => authed<Res.RevokeOthersResponseBody>("POST", path("revokeOtherSessions")),
    /** Sudo mode: may throw reauthentication_required. Ends the other logins unless `revoke_other_logins: false`. */
    changePassword: (body: Pick<Req.ChangePasswordBody, "current_password" | "new_password"> & Partial<Pick<Req.ChangePasswordBody, "revoke_other_logins">>) =>
      authed<Res.ChangePasswordResponseBody>("POST", path("changePassword"), { body }),
    /** The same answer whether or not an account has the address. */
    requestPasswordReset: async (body: Req.PasswordResetRequestBody): Promise<Res.PasswordResetRequestedResponseBody> =>
      parse(await raw("POST", path("requestPasswordReset"), { body }, null)),
    /** `token` from the link's #reset= fragment. Every login of the account ends, this client's too. */
    completePasswordReset: async (body: Req.PasswordResetCompleteBody): Promise<Res.PasswordResetResponseBody> =>
      parse(await raw("POST", path("completePasswordReset"), { body }, null)),
    /** `token` from the link's #verify-email= fragment (no sign-in needed). */
    verifyEmail: async (token: string): Promise<Res.EmailVerifiedResponseBody> => parse(await raw("POST", path("verifyEmail"), { body: { token } }, null)),
    /** A new verification link to the signed-in user's address ({sent: false} when it is already verified). */
    resendVerification: () => authed<Res.VerificationResendResponseBody>("POST", path("resendVerification")),
    /** Sudo mode. Nothing changes until the link sent to the new address is opened (confirmEmailChange). */
    changeEmail: (body: Req.EmailChangeBody) => authed<Res.EmailChangePendingResponseBody>("POST", path("changeEmail"), { body }),
    /** `token` from the link's #confirm-email= fragment (no sign-in needed). */
    confirmEmailChange: async (token: string): Promise<Res.EmailChangedResponseBody> => parse(await raw("POST", path("confirmEmailChange"), { body: { token } }, null)),
    /** Development only (devMailbox on, loopback host): the emails the server would have sent; 404 otherwise. */
    devMailbox: async (): Promise<Res.DevMailboxResponseBody> => parse(await raw("GET", path("devMailbox"), { query: { format: "json" } }, null)),

    // Issue 21: the totp plugin's second factor.
    /** Whether the factor is on, and the recovery codes left. */
    totpStatus: () => authed<Totp.TotpStatusResponseBody>("GET", path("totpStatus")),
    /** Sudo mode. The secret and its otpauth:// URI, to show once (as text and a QR code); not asked for until confirmTotp. */
    enrollTotp: () => authed<Totp.TotpEnrollResponseBody>("POST", path("enrollTotp")),
    /** Sudo mode. The app's current code turns the factor on: 10 recovery codes to show once; the other logins end. */
    confirmTotp: (code: string) => authed<Totp.TotpConfirmedResponseBody>("POST", path("confirmTotp"), { body: { code } satisfies Totp.TotpConfirmBody }),
    /** Finishes a login that threw MfaRequiredError: its ticket and a code (or one recovery code). */
    verifyTotp: async (body: { ticket: string } & ({ code: string } | { recovery_code: string })): Promise<Res.LoginResponseBody> =>
      signIn(await raw("POST", path("verifyTotp"), { body }, null)),
    /** Sudo mode. 10 new recovery codes; the old ones stop working. */
    regenerateRecoveryCodes: () => authed<Totp.TotpRecoveryCodesResponseBody>("POST", path("regenerateRecoveryCodes")),
    /** Sudo mode. Turns the factor off (recorded in the server's account events). */
    disableTotp: () => authed<Totp.TotpDisabledResponseBody>("DELETE", path("disableTotp")),

    // Issue 22: the social plugin's sign-in with a provider.
    /** The configured providers, for one button each. */
    socialProviders: async (): Promise<Social.SocialProvidersResponseBody> => parse(await raw("GET", path("socialProviders"), {}, null)),
    /** Where a button sends the browser (a navigation, not a fetch): the provider, then back to `redirectTo` (an allowlisted page) with #social_ticket=. */
    socialLoginUrl: (provider: string, redirectTo?: string): string =>
      `${baseUrl}${path("socialLogin").replace(":provider", encodeURIComponent(provider))}${redirectTo === undefined ? "" : `?redirect_to=${encodeURIComponent(redirectTo)}`}`,
    /** Trades the #social_ticket= of the page's URL for the login's tokens (or throws MfaRequiredError, as a password login). */
    socialExchange: async (ticket: string, login: LoginOptions = {}): Promise<Res.LoginResponseBody> =>
      signIn(await raw("POST", path("socialExchange"), { body: { ticket, ...login, ...refreshDelivery } }, null)),
    /** Sudo mode. The provider's URL to send the browser to; it comes back to `redirectTo` with #social_linked=<provider>. */
    socialLink: (provider: string, redirectTo?: string) =>
      authed<Social.SocialLinkResponseBody>("POST", path("socialLink").replace(":provider", encodeURIComponent(provider)), { body: redirectTo === undefined ? {} : { redirect_to: redirectTo } }),
    /** The providers linked to this account. */
    socialIdentities: () => authed<Social.SocialIdentitiesResponseBody>("GET", path("socialIdentities")),
    /** Sudo mode. Never the account's last way to sign in (409 last_sign_in_method). */
    socialUnlink: (provider: string) => authed<Social.SocialUnlinkedResponseBody>("DELETE", path("socialUnlink").replace(":provider", encodeURIComponent(provider))),

    /** The OpenAPI 3.1 document of the server's routes. */
    openApi: async (): Promise<Record<string, unknown>> => parse(await raw("GET", path("openApi"), {}, null)),

    /** The plugins the server mounts (passkeys, email, sessions, usage...), their routes and public settings: a page shows only what is offered. */
    plugins: async (): Promise<Res.PluginsResponseBody> => parse(await raw("GET", path("plugins"), {}, null)),

    /** The public keys of EdDSA access tokens (a JWKS; empty when the server signs HS256). */
    jwks: async (): Promise<Res.JwksResponseBody> => parse(await raw("GET", path("jwks"), {}, null)),

    /** Stops listening to other tabs (closes the BroadcastChannel, if this client opened one). */
    close: () => channel?.close(),
  };
}
