// An org's name as the demo county's own pages show it: without the county
// prefix every unit carries ("濂江县水利局" → "水利局"), so tables and tags
// stay narrow. One place for the six pages and panels that did this alone.
export function shortOrgName(name) {
  return String(name || '').replace(/^濂江县/, '')
}
