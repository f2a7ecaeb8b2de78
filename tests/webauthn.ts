import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { isoCBOR } from '@simplewebauthn/server/helpers'

// A passkey in software, for tests with no browser: it answers a server's options with the JSON
// @simplewebauthn/browser would send (WebAuthn Level 3, sections 6.1 authenticator data, 6.5.5 the
// "none" attestation, 5.8.1 client data), from an ECDSA P-256 key (COSE alg -7). Each call can be
// bent (origin, RP ID, challenge, counter, user verification) so that a test can forge each refusal.

/** What a test may bend in one answer; unset, the answer is what an honest browser would send. */
export type Knobs = {
  origin?: string
  rpId?: string
  /** Another challenge than the options' (base64url). */
  challenge?: string
  /** The signature counter to report (and remember); unset, 0 at registration and one more than the last at each sign-in. */
  counter?: number
  /** The UV flag: the user gave a PIN, fingerprint or face. Default true. */
  userVerified?: boolean
  /** clientDataJSON's type: another ceremony's. */
  type?: 'webauthn.create' | 'webauthn.get'
}

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 }
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url')
const bytes = (base64url: string) => Buffer.from(base64url, 'base64url')
type CBOR = Parameters<typeof isoCBOR.encode>[0]

export class SoftPasskey {
  /** The credential id, as the server lists it in allowCredentials (base64url). */
  readonly id = b64url(randomBytes(32))
  private readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  private counter = 0
  /** The user handle of the account it was made for (options.user.id), given back on each sign-in. */
  private userHandle?: string

  /** `origin` and `rpId`: the site it answers for; `synced`: the BE and BS flags (backed up in a keychain). */
  constructor(
    readonly origin: string,
    readonly rpId = new URL(origin).hostname,
    private readonly synced = true,
  ) {}

  /** The answer to PublicKeyCredentialCreationOptionsJSON: the body's `credential` at registration. */
  register(options: { challenge: string; user: { id: string } }, knobs: Knobs = {}): RegistrationResponseJSON {
    this.userHandle = options.user.id
    const { x, y } = this.key.publicKey.export({ format: 'jwk' })
    const cosePublicKey = isoCBOR.encode(
      new Map<number, CBOR>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, bytes(x!)],
        [-3, bytes(y!)],
      ]),
    )
    const credentialId = bytes(this.id)
    const length = Buffer.alloc(2)
    length.writeUInt16BE(credentialId.length)
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, length, credentialId, cosePublicKey])
    this.counter = knobs.counter ?? 0
    const authenticatorData = Buffer.concat([this.authenticatorData(knobs, FLAG.AT), attested])
    const attestationObject = isoCBOR.encode(new Map<string, CBOR>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authenticatorData]]))
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, knobs),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authenticatorData),
        transports: ['hybrid', 'internal'],
        publicKeyAlgorithm: -7,
        publicKey: b64url(this.key.publicKey.export({ format: 'der', type: 'spki' })),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** The answer to PublicKeyCredentialRequestOptionsJSON: a sign-in's, second step's or step-up's `credential`. */
  answer(options: { challenge: string }, knobs: Knobs = {}): AuthenticationResponseJSON {
    this.counter = knobs.counter ?? this.counter + 1
    const authenticatorData = this.authenticatorData(knobs, 0)
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, knobs)
    // ECDSA-SHA256 over authenticatorData || SHA-256(clientDataJSON), DER-encoded (section 6.3.3).
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(bytes(clientDataJSON))]), this.key.privateKey)
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON, authenticatorData: b64url(authenticatorData), signature: b64url(signature), userHandle: this.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** rpIdHash, flags and signCount (section 6.1); `extra` flags beside UP, UV, BE and BS. */
  private authenticatorData(knobs: Knobs, extra: number): Buffer {
    const flags = FLAG.UP | (knobs.userVerified === false ? 0 : FLAG.UV) | (this.synced ? FLAG.BE | FLAG.BS : 0) | extra
    const signCount = Buffer.alloc(4)
    signCount.writeUInt32BE(this.counter)
    return Buffer.concat([sha256(knobs.rpId ?? this.rpId), Buffer.from([flags]), signCount])
  }

  /** clientDataJSON (section 5.8.1), base64url, as the browser writes it. */
  private clientData(type: string, challenge: string, knobs: Knobs): string {
    const data = { type: knobs.type ?? type, challenge: knobs.challenge ?? challenge, origin: knobs.origin ?? this.origin, crossOrigin: false }
    return Buffer.from(JSON.stringify(data)).toString('base64url')
  }
}
