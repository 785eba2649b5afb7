// Build-time stand-in for the `debug` package inside the function bundles. The Alibaba Cloud SDKs log requests
// through `debug` when DEBUG is set; in a function that would print headers to the logs unmasked, and the package
// costs ~15 KB at cold start. Every logger is a no-op that reports itself disabled.
'use strict';
function createDebug() {
  const noop = () => {};
  noop.enabled = false;
  noop.extend = createDebug;
  return noop;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;
module.exports = createDebug;
