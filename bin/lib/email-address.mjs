// How an email address is compared and stored, for the operator CLI (upgrade-seed).
//
// It must be exactly the Worker's rule (js/src/http/fields.ts normalizeEmail, and the
// trim + lower-case of the login and register schemas): the upgrade writes the addresses
// the Worker will later look up. SQLite's lower()/trim() are NOT that rule (ASCII only,
// spaces only): "ÉMILE@Example.com" became "Émile@example.com", which no login could
// find (issue 19 §8). Plain JavaScript, no dependencies, so the CLI ships it without a
// build; test/upgrade/email-normalization.test.mjs compares it with the Worker's own
// function (bundled from js/src) over every Unicode code point.

/** Trimmed (JavaScript's whitespace, not only spaces) and lower-cased (full Unicode). */
export function normalizeEmail(raw) {
  return String(raw).trim().toLowerCase();
}

/**
 * Plans the normalisation of the users' stored addresses.
 * `rows` are {id, email} as stored (email a string). Returns
 *  - `updates`: {id, from, to} for each row whose address changes;
 *  - `collisions`: {email, users: [{id, email}]} for each normalised address that more
 *    than one row would share (the upgrade refuses those: one of the owners could no
 *    longer sign in, and the UNIQUE index could not be built).
 */
export function planEmailNormalization(rows) {
  const byNormal = new Map();
  const updates = [];
  for (const { id, email } of rows) {
    const to = normalizeEmail(email);
    if (to !== email) updates.push({ id, from: email, to });
    const group = byNormal.get(to);
    if (group) group.push({ id, email });
    else byNormal.set(to, [{ id, email }]);
  }
  const collisions = [...byNormal].filter(([, users]) => users.length > 1).map(([email, users]) => ({ email, users }));
  return { updates, collisions };
}

/** The collisions as report lines, one per normalised address. */
export function collisionReport(collisions) {
  return collisions.map(({ email, users }) => `  ${JSON.stringify(email)} <- ${users.map((u) => `${JSON.stringify(u.email)} (id ${JSON.stringify(u.id)})`).join(", ")}`);
}
