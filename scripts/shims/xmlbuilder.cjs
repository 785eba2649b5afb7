// Build-time stand-in for `xmlbuilder` inside the function bundles. xml2js requires it at load time for its
// Builder, which @alicloud/mns never uses (the SDK writes XML itself and only parses with xml2js). Dropping it
// saves ~67 KB of bundle and its module-initialisation time. Any use fails loudly.
'use strict';
module.exports = new Proxy(
  {},
  {
    get(_target, prop) {
      if (prop === '__esModule' || typeof prop === 'symbol') return undefined;
      throw new Error(`xmlbuilder.${String(prop)} is not bundled (see scripts/shims/xmlbuilder.cjs)`);
    },
  },
);
