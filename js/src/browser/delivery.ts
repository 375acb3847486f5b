/**
 * The `refresh` field of a login body (password or passkey): where the
 * refresh token goes. Declared here, once, for the route schemas
 * (api/requests.ts), so the OpenAPI document and the client see it too.
 */
import { badRequest } from "../errors";
import { custom, optional } from "../http/schema";
import type { Field } from "../http/schema";

import type { RefreshDelivery } from "../plugin";
/** "body": in the JSON answer (bearer mode, the default); "cookie": in an HttpOnly cookie (cookie mode). */
export type { RefreshDelivery };

const DELIVERIES: readonly RefreshDelivery[] = ["body", "cookie"];

export const REFRESH_DELIVERY_FIELD: Field<RefreshDelivery> = optional(
  custom<RefreshDelivery>(
    {
      type: "string",
      enum: DELIVERIES,
      description: 'where the refresh token goes: "body" (the JSON answer) or "cookie" (an HttpOnly cookie; needs cookie mode and the header X-Requested-With: hybrid-auth)',
    },
    (value, name) => {
      if (typeof value !== "string" || !(DELIVERIES as readonly string[]).includes(value)) throw badRequest("invalid_field", `${name} must be "body" or "cookie"`);
      return value as RefreshDelivery;
    },
  ),
  "body",
);
