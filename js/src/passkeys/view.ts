import type { PasskeyRecord } from "../db/passkeys";

/** What the API shows of a passkey (never the key material). */
export interface PublicPasskey {
  id: string;
  label: string;
  transports: string[];
  device_type: string;
  backed_up: boolean;
  created_at: number;
  last_used_at: number | null;
}

export function publicPasskey(p: PasskeyRecord): PublicPasskey {
  return {
    id: p.id,
    label: p.label,
    transports: p.transports,
    device_type: p.deviceType,
    backed_up: p.backedUp,
    created_at: p.createdAt,
    last_used_at: p.lastUsedAt,
  };
}
