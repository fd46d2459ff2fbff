'use strict';
/**
 * Loads the Node-API addon: build/Release when a local compile exists, else
 * the prebuild for this platform from prebuilds/ (PREBUILDS_ONLY=1 skips
 * build/). Loading fails on platforms without a prebuild or a compiler, and
 * the addon does not build at all off Linux; the package must still import
 * there and say why, so the error is kept rather than thrown.
 */
let binding = null;
let error = null;
try {
  binding = require('node-gyp-build')(__dirname);
} catch (err) {
  error = err;
}
module.exports = { binding, error };
