#!/usr/bin/env python3
"""Known-answer vectors for Preflight's O5LOGON (Sources/PreflightOracle/O5Logon.swift), computed with
python-oracledb's own thin-mode primitives (oracledb.thin_impl.encrypt_cbc, decrypt_cbc,
get_derived_key) and hashlib, following the derivation python-oracledb's AuthMessage performs, on fixed
inputs instead of random ones. Tests/PreflightOracleTests/O5LogonTests.swift embeds the output.

  python3 scripts/peers/oracle_o5logon_vectors.py
"""
import hashlib
import json

from oracledb.thin_impl import decrypt_cbc, encrypt_cbc, get_derived_key

PASSWORD = "Oracle-Pl4nted/+=\"é-Pass".encode()
SALT = bytes(range(16))
CSK_SALT = bytes(range(32, 64))
SERVER_HALF_12C = bytes(range(100, 132))
SERVER_HALF_11G = bytes(range(100, 148))
CLIENT_HALF_12C = bytes(range(200, 232))
CLIENT_HALF_11G = bytes(range(200, 248))
PREFIX = bytes([0xA5] * 16)


def vector_12c():
    speedy = get_derived_key(PASSWORD, SALT + b"AUTH_PBKDF2_SPEEDY_KEY", 64, 4096)
    key = hashlib.sha512(speedy + SALT).digest()[:32]
    server_key = encrypt_cbc(key, SERVER_HALF_12C)[:32]
    assert decrypt_cbc(key, server_key) == SERVER_HALF_12C
    client_key = encrypt_cbc(key, CLIENT_HALF_12C).hex().upper()[:64]
    combo = get_derived_key((CLIENT_HALF_12C[:32] + SERVER_HALF_12C[:32]).hex().upper().encode(), CSK_SALT, 32, 3)
    return {
        "verifier_key": key.hex().upper(), "server_key": server_key.hex().upper(), "client_key": client_key,
        "combined_key": combo.hex().upper(),
        "password": encrypt_cbc(combo, PREFIX + PASSWORD).hex().upper(),
        "speedy_key": encrypt_cbc(combo, PREFIX + speedy)[:80].hex().upper(),
        "server_response": encrypt_cbc(combo, PREFIX + b"SERVER_TO_CLIENT").hex().upper(),
    }


def vector_11g():
    key = hashlib.sha1(PASSWORD + SALT).digest() + bytes(4)
    server_key = encrypt_cbc(key, SERVER_HALF_11G)[:48]
    client_key = encrypt_cbc(key, CLIENT_HALF_11G).hex().upper()[:96]
    mixed = bytes(SERVER_HALF_11G[i] ^ CLIENT_HALF_11G[i] for i in range(16, 40))
    combo = (hashlib.md5(mixed[:16]).digest() + hashlib.md5(mixed[16:]).digest())[:24]
    return {
        "verifier_key": key.hex().upper(), "server_key": server_key.hex().upper(), "client_key": client_key,
        "combined_key": combo.hex().upper(),
        "password": encrypt_cbc(combo, PREFIX + PASSWORD).hex().upper(),
        "server_response": encrypt_cbc(combo, PREFIX + b"SERVER_TO_CLIENT").hex().upper(),
    }


print(json.dumps({"12c": vector_12c(), "11g": vector_11g()}, indent=1))
