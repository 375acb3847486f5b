// Every D1 query of the Worker lives in this folder and nowhere else.
export { DatabaseError } from "./errors";
export * from "./users";
export * from "./sessions";
