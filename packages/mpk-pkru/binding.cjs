'use strict';
/**
 * Loads the Node-API addon: build/Release when a local compile exists, else
 * the prebuild for this platform from prebuilds/ (PREBUILDS_ONLY=1 skips
 * build/). Loading may fail, e.g. on a platform without a prebuild and
 * without a compiler; the package must still import there and report why,
 * so the error is kept rather than thrown.
 */
let binding = null;
let error = null;
try {
  binding = require('node-gyp-build')(__dirname);
} catch (err) {
  error = err;
}
module.exports = { binding, error };
