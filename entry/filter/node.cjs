// `hybrid-auth/filter` for Node.js, CommonJS: Node 20.19+ can require() an ES module
// without top-level await, so CommonJS users share the ES module's instance.
"use strict";
module.exports = require("./node.js");
