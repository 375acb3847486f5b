// Every D1 query of the Worker lives in this folder and nowhere else.
export { DatabaseError } from "./errors";
export * from "./users";
export * from "./sessions";
export * from "./legacySessions";
export * from "./refreshTokens";
export * from "./revocations";
export * from "./usage";
export * from "./rateLimits";
export * from "./cleanup";
export * from "./logins";
export * from "./emailTokens";
export * from "./usageSeries";
export * from "./totp";
export * from "./social";
