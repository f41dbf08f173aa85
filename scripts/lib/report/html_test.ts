import assert from "node:assert/strict";
import { escapeHtml, table } from "./html.ts";

Deno.test("html: escaping and numeric cells", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  assert.match(table(["a"], [[0.12345], ["<b>"]]), /<td class="num">0\.123<\/td>.*&lt;b&gt;/s);
});
