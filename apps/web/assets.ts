// Changes on every start, so browsers fetch new stylesheets and scripts after an upgrade while
// caching them in between.
export const ASSET_VERSION = Date.now().toString(36);
