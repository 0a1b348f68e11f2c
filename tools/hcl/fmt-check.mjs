#!/usr/bin/env node
// `terraform fmt -check` without a Terraform binary: formats every Terraform file under a folder
// with HashiCorp's hclwrite.Format (compiled to WebAssembly in @cdktf/hcl-tools), the formatter
// `terraform fmt` is built on, and reports each file whose text differs from its formatted form,
// with the first differing line. Exits 1 when one differs (or on no files), 0 when all are formatted.
// (terraform fmt also rewrites a few legacy forms, e.g. "${var.x}" alone or quoted type names;
// the module uses none of them.)
//
// Usage: node tools/hcl/fmt-check.mjs [FOLDER] [--write]   (FOLDER defaults to terraform;
//        --write rewrites the files that differ instead of failing)

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { format } from "@cdktf/hcl-tools";

const SKIP_DIRS = new Set([".terraform", "node_modules", ".build", ".git"]);
const HCL_FILE = /\.(tf|tfvars|tfvars\.example)$/;

function hclFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) {
        out.push(...hclFiles(path));
      }
    } else if (entry.isFile() && HCL_FILE.test(entry.name)) {
      out.push(path);
    }
  }
  return out.sort();
}

function firstDifference(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return { line: i + 1, found: x[i] ?? "<end of file>", expected: y[i] ?? "<end of file>" };
    }
  }
  return null;
}

async function main() {
  const args = process.argv.slice(2);
  const write = args.includes("--write");
  const root = args.find((a) => !a.startsWith("--")) ?? "terraform";
  const files = hclFiles(root);
  if (files.length === 0) {
    console.error(`fmt-check: no .tf files under ${root}`);
    process.exit(1);
  }
  let bad = 0;
  for (const path of files) {
    const name = relative(root, path).split(sep).join("/");
    const text = readFileSync(path, "utf8");
    const formatted = await format(text);
    if (formatted === text) {
      continue;
    }
    if (write) {
      writeFileSync(path, formatted);
      console.log(`fmt-check: rewrote ${name}`);
      continue;
    }
    bad++;
    const d = firstDifference(text, formatted);
    console.error(
      `${name}:${d.line}: not formatted as terraform fmt would\n  found:    ${JSON.stringify(d.found)}\n  expected: ${JSON.stringify(d.expected)}`,
    );
  }
  if (bad > 0) {
    console.error(`fmt-check: ${bad} of ${files.length} files need formatting (node tools/hcl/fmt-check.mjs ${root} --write)`);
    process.exit(1);
  }
  console.log(`fmt-check: ${files.length} files formatted`);
}

main().catch((e) => {
  console.error(`fmt-check: ${e.stack ?? e}`);
  process.exit(1);
});
