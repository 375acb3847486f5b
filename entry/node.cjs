// Node.js, CommonJS: Node 20.19+ can require() an ES module that has no top-level
// await, so CommonJS users get the very same instance as `import` users.
// (wasm-bindgen's own `nodejs` target cannot load our inline JS snippet, which is an
// ES module, so there is no separate CommonJS build.)
"use strict";
module.exports = require("./node.js");
