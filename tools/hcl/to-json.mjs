#!/usr/bin/env node
// Parses every Terraform file under a folder with HashiCorp's HCL parser (hcl2json, compiled to
// WebAssembly in @cdktf/hcl2json) and prints one JSON document:
//
//   {"root": "<folder as given>", "files": {"<path relative to the folder>": <parsed HCL>, ...}}
//
// Files: *.tf, *.tfvars and *.tfvars.example (the same syntax), skipping .terraform/ and
// node_modules/. Paths use '/' and are sorted. Any parse error, or no file at all, prints every
// problem to stderr and exits 1, so CI fails on a .tf file Terraform would not read.
//
// Usage: node tools/hcl/to-json.mjs [FOLDER]   (FOLDER defaults to terraform)

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse } from "@cdktf/hcl2json";

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
  return out;
}

async function main() {
  const root = process.argv[2] ?? "terraform";
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    console.error(`to-json: ${root} is not a folder`);
    process.exit(1);
  }
  const files = hclFiles(root)
    .map((p) => relative(root, p).split(sep).join("/"))
    .sort();
  if (files.length === 0) {
    console.error(`to-json: no .tf files under ${root}`);
    process.exit(1);
  }
  const parsed = {};
  const errors = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    try {
      // hcl2json's errors name the file given here, with line and column.
      parsed[file] = await parse(file, text);
    } catch (e) {
      errors.push(`${file}: ${e && e.message ? e.message : e}`);
    }
  }
  if (errors.length > 0) {
    console.error(`to-json: ${errors.length} of ${files.length} files do not parse:`);
    for (const e of errors) {
      console.error(`  ${e}`);
    }
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ root, files: parsed }, null, 1) + "\n");
}

main().catch((e) => {
  console.error(`to-json: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
