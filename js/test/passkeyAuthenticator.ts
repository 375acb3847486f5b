/**
 * A software WebAuthn authenticator for the workerd tests: real P-256 keys,
 * real CBOR, real ES256 signatures, so the Worker's @simplewebauthn/server
 * verification runs for real. Every field can be bent (origin, flags,
 * counter, user handle) to produce the responses a browser never would.
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

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
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

export interface Bend {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  /** Counter to put in this response (default: previous + 1). */
  counter?: number;
  /** Override the user handle sent with an assertion (base64url). null: send none. */
  userHandle?: string | null;
  /** Override the challenge signed over. */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentialId = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
  counter = 0;
  userHandle: string | null = null;
  private constructor(private readonly keys: CryptoKeyPair) {}

  static async create(): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftAuthenticator(keys);
  }

  private flags(bend: Bend, extra = 0): number {
    return FLAG_UP | (bend.userVerified === false ? 0 : FLAG_UV) | extra;
  }

  private nextCounter(bend: Bend): number {
    this.counter = bend.counter ?? this.counter + 1;
    return this.counter;
  }

  async register(options: PublicKeyCredentialCreationOptionsJSON, bend: Bend = {}): Promise<RegistrationResponseJSON> {
    this.userHandle = options.user.id;
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]),
    );
    const credId = isoBase64URL.toBuffer(this.credentialId);
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? DEV_RP_ID)),
      new Uint8Array([this.flags(bend, FLAG_AT)]),
      u32(this.nextCounter({ counter: bend.counter ?? 0 })),
      new Uint8Array(16), // AAGUID: none
      new Uint8Array([credId.length >> 8, credId.length & 255]),
      credId,
      cose,
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: clientData("webauthn.create", bend.challenge ?? options.challenge, bend.origin ?? DEV_ORIGIN),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ["internal"],
      },
    };
  }

  async assert(options: PublicKeyCredentialRequestOptionsJSON, bend: Bend = {}): Promise<AuthenticationResponseJSON> {
    const clientDataJSON = clientData("webauthn.get", bend.challenge ?? options.challenge, bend.origin ?? DEV_ORIGIN);
    const authData = concat(
      await sha256(new TextEncoder().encode(bend.rpId ?? DEV_RP_ID)),
      new Uint8Array([this.flags(bend)]),
      u32(this.nextCounter(bend)),
    );
    const signed = concat(authData, await sha256(isoBase64URL.toBuffer(clientDataJSON)));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
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
        signature: isoBase64URL.fromBuffer(rawToDer(raw)),
      },
    };
    if (handle !== null) response.response.userHandle = handle;
    return response;
  }
}
