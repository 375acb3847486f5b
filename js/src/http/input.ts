import type { RouteDeclaration } from "../routes";
import type { AppContext } from "../types";
import { readJsonObject } from "./body";
import type { RouteInput } from "./schema";

/**
 * The validated request of one route: its declared body and query schemas
 * applied to this request, on demand (see RouteInput). The one place where
 * route input is parsed into typed values.
 */
export function routeInput(c: AppContext, route: Pick<RouteDeclaration, "body" | "query">): RouteInput<unknown, unknown> {
  return {
    async body() {
      const raw = await readJsonObject(c.req.raw);
      // A route that has not declared its body gets the checked JSON object as it is.
      return route.body ? route.body.parse(raw) : raw;
    },
    query() {
      if (!route.query) return c.req.query();
      const raw: Record<string, string> = {};
      for (const name of Object.keys(route.query.fields)) {
        const value = c.req.query(name);
        if (value !== undefined) raw[name] = value;
      }
      return route.query.parse(raw);
    },
  };
}
