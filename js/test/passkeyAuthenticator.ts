/**
 * A software WebAuthn authenticator for the workerd tests: real keys made by
 * WebCrypto (ES256 on P-256, RS256 with RSA-2048, EdDSA on Ed25519), real CBOR
 * and real signatures, so the Worker's verifier runs for real. Every field can
 * be bent (origin, flags, counter, user handle, attestation) to produce the
 * responses a browser never would.
 *
 * The CBOR here is written by @simplewebauthn/server's encoder (a test-only
 * dependency), a different library from the one the Worker decodes with, so
 * the two are checked against each other rather than against themselves.
 * (The end-to-end path with Chromium's own authenticator is js/test-browser/.)
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

export const DEV_ORIGIN = "http://localhost:8787";
export const DEV_RP_ID = "localhost";

/** The three COSE algorithms the Worker offers in pubKeyCredParams. */
export const ALGORITHMS = ["ES256", "RS256", "EdDSA"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const COSE_ALG: Record<Algorithm, number> = { ES256: -7, RS256: -257, EdDSA: -8 };

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** WebCrypto gives ECDSA signatures as r||s; WebAuthn wants ASN.1 DER. */
function rawToDer(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let body: Uint8Array = bytes.slice(i);
    if (body[0]! & 0x80) body = concat(new Uint8Array([0]), body);
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const seq = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, seq.length]), seq);
}

function clientData(type: string, challenge: string, origin: string): string {
  return isoBase64URL.fromBuffer(new Uint8Array(new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }))));
}

const bytesOf = (b64url: string | undefined): Uint8Array => isoBase64URL.toBuffer(b64url ?? "");

/** How each algorithm makes its keys, writes its COSE key and signs. */
interface Scheme {
  generate(): Promise<CryptoKeyPair>;
  cose(jwk: JsonWebKey): Map<number, number | Uint8Array>;
  sign(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
}

const SCHEMES: Record<Algorithm, Scheme> = {
  ES256: {
    generate: async () => (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair,
    // kty EC2, alg ES256, crv P-256, x, y
    cose: (jwk) => new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, bytesOf(jwk.x)], [-3, bytesOf(jwk.y)]]),
    sign: async (key, data) => rawToDer(new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data))),
  },
  RS256: {
    generate: async () =>
      (await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      )) as CryptoKeyPair,
    // kty RSA, alg RS256, n, e
    cose: (jwk) => new Map<number, number | Uint8Array>([[1, 3], [3, -257], [-1, bytesOf(jwk.n)], [-2, bytesOf(jwk.e)]]),
    sign: async (key, data) => new Uint8Array(await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, key, data)),
  },
  EdDSA: {
    generate: async () => (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair,
    // kty OKP, alg EdDSA, crv Ed25519, x
    cose: (jwk) => new Map<number, number | Uint8Array>([[1, 1], [3, -8], [-1, 6], [-2, bytesOf(jwk.x)]]),
    sign: async (key, data) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, data)),
  },
};

export interface Bend {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  /** false: the UP flag is clear (no user presence). */
  userPresent?: boolean;
  /** Counter to put in this response (default: previous + 1). */
  counter?: number;
  /** Override the user handle sent with an assertion (base64url). null: send none. */
  userHandle?: string | null;
  /** Override the challenge signed over. */
  challenge?: string;
  /** clientDataJSON "type" (default webauthn.create / webauthn.get). */
  type?: string;
  /** Set the backup-eligible and backed-up flags. */
  backup?: { eligible: boolean; state: boolean };
  /**
   * Registration only: "none" (default), "packed-self" (self attestation
   * signed by the credential key), "packed-bad" (a self attestation whose
   * signature is wrong), or "packed-x5c" (a certificate chain).
   */
  attestation?: "none" | "packed-self" | "packed-bad" | "packed-x5c";
}

export class SoftAuthenticator {
  readonly credentialId = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
  counter = 0;
  userHandle: string | null = null;
  private constructor(
    readonly algorithm: Algorithm,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(algorithm: Algorithm = "ES256"): Promise<SoftAuthenticator> {
    return new SoftAuthenticator(algorithm, await SCHEMES[algorithm].generate());
  }

  private flags(bend: Bend, extra = 0): number {
    let flags = extra;
    if (bend.userPresent !== false) flags |= FLAG_UP;
    if (bend.userVerified !== false) flags |= FLAG_UV;
    if (bend.backup?.eligible) flags |= FLAG_BE;
    if (bend.backup?.state) flags |= FLAG_BS;
    return flags;
  }

  private nextCounter(bend: Bend): number {
    this.counter = bend.counter ?? this.counter + 1;
    return this.counter;
  }

  private sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    return SCHEMES[this.algorithm].sign(this.keys.privateKey, data);
  }

  /** The COSE_Key bytes this authenticator puts into its attested credential data. */
  async coseKey(): Promise<Uint8Array> {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    return isoCBOR.encode(SCHEMES[this.algorithm].cose(jwk));
  }

  async register(options: PublicKeyCredentialCreationOptionsJSON, bend: Bend = {}): Promise<RegistrationResponseJSON> {
    this.userHandle = options.user.id;
    const credId = isoBase64URL.toBuffer(this.credentialId);
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? DEV_RP_ID)),
      new Uint8Array([this.flags(bend, FLAG_AT)]),
      u32(this.nextCounter({ counter: bend.counter ?? 0 })),
      new Uint8Array(16), // AAGUID: none
      new Uint8Array([credId.length >> 8, credId.length & 255]),
      credId,
      await this.coseKey(),
    );
    const clientDataJSON = clientData(bend.type ?? "webauthn.create", bend.challenge ?? options.challenge, bend.origin ?? DEV_ORIGIN);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", (bend.attestation ?? "none") === "none" ? "none" : "packed"],
        ["attStmt", await this.attestationStatement(bend, authData, clientDataJSON)],
        ["authData", authData],
      ]) as Parameters<typeof isoCBOR.encode>[0],
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON,
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ["internal"],
      },
    };
  }

  /** WebAuthn §8.2: a packed statement signs authData || SHA-256(clientDataJSON). */
  private async attestationStatement(bend: Bend, authData: Uint8Array, clientDataJSON: string): Promise<Map<string, unknown>> {
    const kind = bend.attestation ?? "none";
    if (kind === "none") return new Map();
    const signed = concat(authData, await sha256(isoBase64URL.toBuffer(clientDataJSON)));
    const sig = await this.sign(signed);
    if (kind === "packed-bad") sig[sig.length - 1]! ^= 1;
    const statement = new Map<string, unknown>([
      ["alg", COSE_ALG[this.algorithm]],
      ["sig", sig],
    ]);
    if (kind === "packed-x5c") statement.set("x5c", [crypto.getRandomValues(new Uint8Array(300))]);
    return statement;
  }

  async assert(options: PublicKeyCredentialRequestOptionsJSON, bend: Bend = {}): Promise<AuthenticationResponseJSON> {
    const clientDataJSON = clientData(bend.type ?? "webauthn.get", bend.challenge ?? options.challenge, bend.origin ?? DEV_ORIGIN);
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? DEV_RP_ID)),
      new Uint8Array([this.flags(bend)]),
      u32(this.nextCounter(bend)),
    );
    const signed = concat(authData, await sha256(isoBase64URL.toBuffer(clientDataJSON)));
    const handle = bend.userHandle === undefined ? this.userHandle : bend.userHandle;
    const response: AuthenticationResponseJSON = {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON,
        authenticatorData: isoBase64URL.fromBuffer(authData),
        signature: isoBase64URL.fromBuffer(await this.sign(signed)),
      },
    };
    if (handle !== null) response.response.userHandle = handle;
    return response;
  }
}
