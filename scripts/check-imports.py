#!/usr/bin/env python3
"""Checks that each target's dependencies in Package.swift are exactly the modules its files import.

Run from the repository root: `python3 scripts/check-imports.py`. Exits 1 and names each mismatch:
a module imported but not declared (it builds only by luck of the build order), or declared but
imported by no file (a dependency that only slows the build).
"""
import os
import re
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "Synchronization", "Testing", "Glibc", "Darwin", "Dispatch",
          "XCTest", "Musl", "os", "FoundationNetworking"}


def targets(package):
    """(name, path, declared modules) for every target in Package.swift."""
    found = []
    for match in re.finditer(r"\.(?:executableTarget|testTarget|target)\(\s*name:\s*\"([^\"]+)\"(.*?)\n        \)",
                             package, re.S):
        name, body = match.group(1), match.group(2)
        deps = set()
        dep_block = re.search(r"dependencies:\s*\[(.*?)\n            \]", body, re.S)
        if dep_block is None:
            dep_block = re.search(r"dependencies:\s*\[(.*?)\]", body, re.S)
        if dep_block:
            text = dep_block.group(1)
            deps |= set(re.findall(r"\.product\(name:\s*\"([^\"]+)\"", text))
            text = re.sub(r"\.product\([^)]*\)", "", text)
            deps |= set(re.findall(r"\"([^\"]+)\"", text))
        path = re.search(r"path:\s*\"([^\"]+)\"", body)
        kind = "Tests" if match.group(0).startswith(".testTarget") else "Sources"
        found.append((name, path.group(1) if path else f"{kind}/{name}", deps))
    return found


def imports(path):
    modules = set()
    for folder, _, files in os.walk(path):
        for file in files:
            if not file.endswith(".swift"):
                continue
            with open(os.path.join(folder, file), encoding="utf-8") as handle:
                for line in handle:
                    found = re.match(
                        r"\s*(?:@testable\s+|@_spi\([^)]*\)\s+)?(?:public\s+|package\s+|internal\s+)?import\s+"
                        r"(?:struct\s+|class\s+|enum\s+|protocol\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)", line)
                    if found:
                        modules.add(found.group(1))
    return modules - SYSTEM


def main():
    with open("Package.swift", encoding="utf-8") as handle:
        package = handle.read()
    problems = []
    for name, path, declared in targets(package):
        used = imports(path)
        for module in sorted(used - declared):
            problems.append(f"{name}: imports {module}, which Package.swift does not declare")
        for module in sorted(declared - used):
            problems.append(f"{name}: declares {module}, which no file imports")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print("Package.swift dependencies match the imports of every target")


main()
