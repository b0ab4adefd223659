"""The product cache cannot execute code or change a result (issue 15, point 2).

Entries are signed with a per-user key kept 0600 in the cache directory and
checked before anything is unpickled; the directory, the entry and the key
must be this user's and not writable by others."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pytest

from claimcalc.output.documents import to_json
from claimcalc.product import cache
from claimcalc.product import model as rulebook
from claimcalc.product.catalog import forget_rulebooks, load_rulebook
from claimcalc.product.load import load_product_file
from tests.conftest import ROOT, example

IMAWAY = ROOT / "products" / "imaway" / "2026-01.yaml"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and modes")


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CLAIMCALC_CACHE_DIR", str(directory))
    return directory


class _Planted:
    """Unpickled, it would create ``path``: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.path), "w"))


def _entry(kind: cache.Kind, sha256: str) -> Path:
    entry = cache._entry(sha256, kind)
    assert entry is not None
    return entry


def _sign(directory: Path, kind: cache.Kind, sha256: str, payload: bytes) -> bytes:
    """An entry as claimcalc writes it (only a holder of the key can do this)."""
    key = (directory / cache.KEY_NAME).read_bytes()
    return cache._sign(key, cache._header(sha256, kind), payload) + payload


def _unkept(path: Path) -> rulebook.Product:
    """The rulebook from the cache or the file, not one this process keeps."""
    forget_rulebooks()
    return load_rulebook(path)


def _settled(book: rulebook.Product) -> object:
    from claimcalc.claim.read import read_claim
    from claimcalc.settling.engine import settle

    return to_json(settle(read_claim(example("imaway", "D-medical-usa.json")), book))


@posix_only
def test_the_key_is_private_and_entries_are_signed(cache_in: Path) -> None:
    product = load_product_file(IMAWAY)
    key = cache_in / cache.KEY_NAME
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_bytes()) == cache.KEY_BYTES
    assert cache_in.stat().st_mode & 0o077 == 0
    signed = _entry("product", product.sha256).read_bytes()
    payload = signed[cache._MAC_BYTES :]
    assert signed == _sign(cache_in, "product", product.sha256, payload)
    cached = cache.get(product.sha256, "product", type(product))
    assert cached is not None
    assert cached.ref == product.ref


@pytest.mark.parametrize("signed_with", ["nothing", "a guessed key"])
@pytest.mark.parametrize("kind", ["product", "rulebook"])
def test_a_planted_pickle_is_never_unpickled(
    cache_in: Path, tmp_path: Path, kind: cache.Kind, signed_with: str
) -> None:
    genuine = load_product_file(IMAWAY)
    _unkept(IMAWAY)
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(_Planted(marker))
    if signed_with == "nothing":
        planted = payload
    else:
        planted = cache._sign(b"\0" * 32, cache._header(genuine.sha256, kind), payload) + payload
    _entry(kind, genuine.sha256).write_bytes(planted)
    assert load_product_file(IMAWAY) == genuine
    assert _unkept(IMAWAY).ref == "imaway@2026-01"
    assert not marker.exists()
    # the planted entry was replaced by a genuine one
    assert cache.get(genuine.sha256, kind, object) is not None


def test_an_edited_entry_is_refused_and_the_result_is_the_genuine_one(
    cache_in: Path, tmp_path: Path
) -> None:
    genuine = _unkept(IMAWAY)
    expected = _settled(genuine)
    # a product paying more, validated and cached under its own hash
    richer = tmp_path / "imaway@2026-01.yaml"
    richer.write_text(IMAWAY.read_text(encoding="utf-8").replace("500", "900"), encoding="utf-8")
    other = _unkept(richer)
    assert _settled(other) != expected
    genuine_entry = _entry("rulebook", genuine.sha256)
    other_entry = _entry("rulebook", other.sha256)
    signed = genuine_entry.read_bytes()
    mac = signed[: cache._MAC_BYTES]
    # 1. the other product's entry, renamed (its signature is for its own hash)
    genuine_entry.write_bytes(other_entry.read_bytes())
    assert _settled(_unkept(IMAWAY)) == expected
    # 2. the other product's rules behind the genuine entry's signature
    genuine_entry.write_bytes(mac + other_entry.read_bytes()[cache._MAC_BYTES :])
    assert _settled(_unkept(IMAWAY)) == expected
    # 3. one byte changed
    flipped = bytearray(signed)
    flipped[-10] ^= 1
    genuine_entry.write_bytes(bytes(flipped))
    assert _settled(_unkept(IMAWAY)) == expected
    # replaced by a genuine entry
    assert genuine_entry.read_bytes() != bytes(flipped)
    assert cache.get(genuine.sha256, "rulebook", rulebook.Product) is not None


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not a pickle",
        b"\x80\x05X\x04\x00\x00\x00\xff\xfe\xfd\xfc.",  # UnicodeDecodeError
        b"\x80\x05\x8c\x08datetime\x94\x8c\x04date\x93K\x00\x85R.",  # ValueError
        b"\x80\x05J\xff\xff\xff\x7f\x8c\x01x\x94.",  # a stray stack
        b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7f",  # a huge frame
    ],
)
@pytest.mark.parametrize("signed", [False, True])
def test_a_corrupt_entry_is_a_miss_and_is_replaced(
    cache_in: Path, payload: bytes, signed: bool
) -> None:
    """Even signed with the right key (a bug, a disk error), no exception of
    unpickling escapes."""
    genuine = load_product_file(IMAWAY)
    entry = _entry("product", genuine.sha256)
    good = entry.read_bytes()
    entry.write_bytes(_sign(cache_in, "product", genuine.sha256, payload) if signed else payload)
    assert load_product_file(IMAWAY) == genuine
    assert entry.read_bytes() == good


def test_a_memory_error_while_unpickling_is_a_miss(
    cache_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    genuine = _unkept(IMAWAY)

    def exhausted(data: bytes) -> object:
        raise MemoryError

    monkeypatch.setattr(pickle, "loads", exhausted)
    assert cache.get(genuine.sha256, "rulebook", rulebook.Product) is None
    assert _settled(_unkept(IMAWAY)) == _settled(genuine)


@posix_only
@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777, 0o1777])
def test_a_directory_others_can_write_is_not_trusted(cache_in: Path, mode: int) -> None:
    genuine = load_product_file(IMAWAY)
    entry = _entry("product", genuine.sha256)
    cache_in.chmod(mode)
    assert cache.get(genuine.sha256, "product", type(genuine)) is None
    entry.unlink()
    assert load_product_file(IMAWAY) == genuine
    assert not entry.exists()  # nor written to


@posix_only
@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_an_entry_others_can_write_is_not_trusted(cache_in: Path, mode: int) -> None:
    genuine = load_product_file(IMAWAY)
    entry = _entry("product", genuine.sha256)
    entry.chmod(mode)
    assert cache.get(genuine.sha256, "product", type(genuine)) is None
    assert load_product_file(IMAWAY) == genuine
    assert entry.stat().st_mode & 0o022 == 0  # replaced


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_others_can_read_or_write_is_not_used(cache_in: Path, mode: int) -> None:
    genuine = load_product_file(IMAWAY)
    (cache_in / cache.KEY_NAME).chmod(mode)
    assert cache.get(genuine.sha256, "product", type(genuine)) is None
    assert load_product_file(IMAWAY) == genuine


@posix_only
def test_a_directory_or_entry_of_another_user_is_not_trusted(
    cache_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    genuine = load_product_file(IMAWAY)
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)
    assert not cache.trusted_dir(cache_in)
    assert cache.get(genuine.sha256, "product", type(genuine)) is None
    assert load_product_file(IMAWAY) == genuine


@posix_only
def test_a_symlinked_entry_is_not_followed(cache_in: Path, tmp_path: Path) -> None:
    genuine = load_product_file(IMAWAY)
    entry = _entry("product", genuine.sha256)
    elsewhere = tmp_path / "elsewhere"
    entry.replace(elsewhere)
    entry.symlink_to(elsewhere)
    assert cache.get(genuine.sha256, "product", type(genuine)) is None
