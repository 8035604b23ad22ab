"""The accounts file, the AZURE_BATCH_* account and `batchtui accounts`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from batchtui import accounts_toml, config
from batchtui.account import Account, ConfigError

SECRET = "c2VjcmV0LWtleS1kby1ub3Qtc2hvdw=="
ENV_VARS = (config.ENV_ENDPOINT, config.ENV_ACCOUNT, config.ENV_ACCESS_KEY)


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(config.CONFIG_DIR_ENV, str(folder))
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def accounts_file(config_dir) -> Path:
    return config_dir / "accounts.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def key_file(tmp_path: Path, mode: int = 0o600, content: str = SECRET + "\n") -> Path:
    path = tmp_path / "batch.key"
    path.write_text(content)
    path.chmod(mode)
    return path


def load_error(path: Path, text: str) -> ConfigError:
    write(path, text)
    with pytest.raises(ConfigError) as info:
        config.load_accounts(path)
    return info.value


# --- the file -------------------------------------------------------------------------------


def test_path_follows_env_override(config_dir):
    assert config.accounts_path() == config_dir / "accounts.toml"


def test_missing_file_means_no_accounts(accounts_file):
    assert config.load_accounts() == []
    assert config.configured_accounts() == []
    assert not accounts_file.exists()


def test_load_documented_example(accounts_file):
    write(accounts_file, """
[accounts.prod]
endpoint = "https://myacct.westeurope.batch.azure.com"
auth = "shared_key"
key_env = "PROD_BATCH_KEY"
read_only = true

[accounts.dev]
endpoint = "devacct.eastus.batch.azure.com/"
account_name = "other"
auth = "entra"
""")
    prod, dev = config.load_accounts()
    assert prod == Account("prod", "https://myacct.westeurope.batch.azure.com", "myacct", "shared_key",
                           key_env="PROD_BATCH_KEY", read_only=True, source="file")
    assert dev.endpoint == "https://devacct.eastus.batch.azure.com"  # scheme added, slash dropped
    assert dev.account_name == "other"
    assert dev.auth == "entra" and dev.key_env is None and not dev.read_only


def test_save_load_round_trip(accounts_file, tmp_path):
    accounts = [
        config.new_account("prod", "https://myacct.westeurope.batch.azure.com", key_env="PROD_KEY", read_only=True),
        config.new_account("emu", "http://127.0.0.1:8200", account_name="emulator", auth="entra"),
        config.new_account('odd "name"\\ é', "https://x.y.batch.azure.com",
                           key_file=str(tmp_path / 'we"ird\\dir\tkey')),
    ]
    assert config.save_accounts(accounts) == accounts_file
    assert config.load_accounts() == accounts
    tomllib.loads(accounts_file.read_text())  # plain TOML any reader accepts


def test_saved_file_is_private_and_replaced_atomically(accounts_file, config_dir):
    config.save_accounts([config.new_account("a", "https://a.b.batch.azure.com", auth="entra")])
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    accounts_file.chmod(0o644)
    config.save_accounts([config.new_account("b", "https://b.b.batch.azure.com", auth="entra")])
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert [a.name for a in config.load_accounts()] == ["b"]
    assert sorted(p.name for p in config_dir.iterdir()) == ["accounts.toml"]  # no temp files left


def test_save_skips_env_accounts(accounts_file, monkeypatch):
    monkeypatch.setenv(config.ENV_ENDPOINT, "https://envacct.eastus.batch.azure.com")
    config.save_accounts(config.configured_accounts())
    assert config.load_accounts() == []


def test_toml_string_escapes():
    for value in ['plain', 'q"uote', 'back\\slash', 'tab\tnew\nline\r', 'bell\x07del\x7f', 'ünï']:
        assert tomllib.loads(f"v = {accounts_toml.toml_string(value)}")["v"] == value


def test_add_and_remove_helpers(accounts_file):
    a = config.new_account("a", "https://a.b.batch.azure.com", auth="entra")
    b = config.new_account("b", "https://b.b.batch.azure.com", key_env="B_KEY")
    config.add_account(a)
    config.add_account(b)
    with pytest.raises(ConfigError, match="already exists"):
        config.add_account(a)
    a2 = config.new_account("a", "https://a2.b.batch.azure.com", auth="entra", read_only=True)
    config.add_account(a2, replace=True)
    assert config.load_accounts() == [a2, b]  # replaced in place
    assert config.remove_account("a") == a2
    assert config.load_accounts() == [b]
    with pytest.raises(ConfigError, match="no account named 'zzz'") as info:
        config.remove_account("zzz")
    assert info.value.path == accounts_file


# --- errors name the file, the line, the account and the field ---------------------------


def test_malformed_toml_names_file_line_and_column(accounts_file):
    err = load_error(accounts_file, '[accounts.a]\nendpoint = "https://a.b.c"\nauth = entra\n')
    assert err.path == accounts_file and err.line == 3 and err.column == 8
    message = str(err)
    assert str(accounts_file) in message and "line 3" in message and "column 8" in message
    assert "invalid TOML" in message and "(at line" not in message


def test_truncated_toml_points_at_last_line(accounts_file):
    err = load_error(accounts_file, '[accounts.a]\nendpoint = ')
    assert err.line == 2 and str(accounts_file) in str(err)


def test_non_utf8_file(accounts_file):
    accounts_file.parent.mkdir(parents=True)
    accounts_file.write_bytes(b'[accounts.a]\nendpoint = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8") as info:
        config.load_accounts()
    assert info.value.line == 2


@pytest.mark.parametrize(("text", "field", "line", "words"), [
    ('[accounts.a]\nendpoint = "https://a.b.c"\nauth = "magic"\n', "auth", 3, "'magic'"),
    ('# hello\n[accounts.a]\nauth = "entra"\n', "endpoint", 2, "missing"),
    ('[accounts.a]\n\nendpoint = "ftp://a.b.c"\nauth = "entra"\n', "endpoint", 3, "http:// or https://"),
    ('[accounts.a]\nendpoint = "https://"\nauth = "entra"\n', "endpoint", 2, "no host"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nkey_env = "K"\nkey_file = "/k"\n', "key_file", 4, "not both"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\n', "auth", 1, "key_env"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nauth = "shared_key"\n', "auth", 3, "key_file"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nauth = "entra"\nkey_env = "K"\n', "key_env", 4, "only used"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nauth = "entra"\nendpiont = "x"\n', "endpiont", 4,
     "did you mean 'endpoint'"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nauth = "entra"\nread_only = "yes"\n', "read_only", 4,
     "true or false"),
    ('[accounts.a]\nendpoint = 42\nauth = "entra"\n', "endpoint", 2, "a string, not an integer"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nkey_env = "1-BAD"\n', "key_env", 3, "not an environment"),
    ('[accounts.a]\nendpoint = "https://a.b.c"\nkey_file = "rel.key"\n', "key_file", 3, "absolute"),
    ('[accounts.a]\nendpoint = "http://10.0.0.1:8200"\nauth = "entra"\n', "account_name", 1, "cannot be derived"),
    ('[accounts]\nok = { endpoint = "https://a.b.c", auth = "entra" }\na = { endpoint = "https://a.b.c", auth = 3 }\n',
     "auth", 3, "a string"),
    ('[accounts."my acct"]\nendpoint = "https://a.b.c"\n"auth" = "nope"\n', "auth", 3, "'nope'"),
])
def test_schema_errors(accounts_file, text, field, line, words):
    err = load_error(accounts_file, text)
    message = str(err)
    assert err.path == accounts_file and err.line == line, message
    assert str(accounts_file) in message and f"line {line}" in message
    assert f"field {field!r}" in message and words in message
    assert "account 'a'" in message or "account 'my acct'" in message


def test_account_that_is_not_a_table(accounts_file):
    err = load_error(accounts_file, '[accounts]\na = 3\n')
    assert err.line == 2 and "account 'a'" in str(err) and "table" in str(err)


def test_unknown_top_level_entry(accounts_file):
    err = load_error(accounts_file, '[settings]\ntheme = "dark"\n')
    assert err.line == 1 and "'settings'" in str(err)


def test_new_account_validates():
    with pytest.raises(ConfigError, match="field 'endpoint'") as info:
        config.new_account("x", "ftp://nope", auth="entra")
    assert info.value.path is None and info.value.line is None
    assert str(info.value).startswith("account 'x'")


# --- the AZURE_BATCH_* account ----------------------------------------------------------------


def test_env_account_with_key(monkeypatch):
    monkeypatch.setenv(config.ENV_ENDPOINT, "envacct.eastus.batch.azure.com")
    monkeypatch.setenv(config.ENV_ACCOUNT, "envacct")
    monkeypatch.setenv(config.ENV_ACCESS_KEY, SECRET)
    [account] = config.configured_accounts()
    assert account == Account("envacct", "https://envacct.eastus.batch.azure.com", "envacct", "shared_key",
                              key_env=config.ENV_ACCESS_KEY, source="env")
    assert account.shared_key() == SECRET


def test_env_account_without_key_is_entra(monkeypatch):
    monkeypatch.setenv(config.ENV_ENDPOINT, "https://envacct.eastus.batch.azure.com")
    [account] = config.configured_accounts()
    assert account.name == "envacct" and account.auth == "entra" and account.source == "env"


def test_no_env_account_without_endpoint(monkeypatch):
    monkeypatch.setenv(config.ENV_ACCOUNT, "envacct")
    monkeypatch.setenv(config.ENV_ACCESS_KEY, SECRET)
    assert config.configured_accounts() == []


def test_bad_env_endpoint_names_the_variable(monkeypatch):
    monkeypatch.setenv(config.ENV_ENDPOINT, "ftp://x.y.z")
    with pytest.raises(ConfigError, match=config.ENV_ENDPOINT):
        config.configured_accounts()


def test_file_account_wins_over_env_account(accounts_file, monkeypatch):
    write(accounts_file, '[accounts.envacct]\nendpoint = "https://file.x.batch.azure.com"\nauth = "entra"\n')
    monkeypatch.setenv(config.ENV_ENDPOINT, "https://envacct.eastus.batch.azure.com")
    monkeypatch.setenv(config.ENV_ACCOUNT, "envacct")
    [account] = config.configured_accounts()
    assert account.source == "file" and account.endpoint == "https://file.x.batch.azure.com"


def test_configured_accounts_uses_given_environ(tmp_path):
    folder = tmp_path / "elsewhere"
    write(folder / "accounts.toml", '[accounts.a]\nendpoint = "https://a.b.batch.azure.com"\nauth = "entra"\n')
    environ = {config.CONFIG_DIR_ENV: str(folder), config.ENV_ENDPOINT: "https://e.b.batch.azure.com"}
    assert [(a.name, a.source) for a in config.configured_accounts(environ)] == [("a", "file"), ("e", "env")]


# --- keys -----------------------------------------------------------------------------------


def test_key_from_env(monkeypatch):
    account = config.new_account("a", "https://a.b.batch.azure.com", key_env="A_KEY")
    with pytest.raises(ConfigError, match="A_KEY is not set"):
        account.shared_key()
    monkeypatch.setenv("A_KEY", SECRET)
    assert account.shared_key() == SECRET


def test_key_from_private_file(tmp_path):
    path = key_file(tmp_path)
    account = config.new_account("a", "https://a.b.batch.azure.com", key_file=str(path))
    assert account.shared_key() == SECRET


def test_key_file_readable_by_others_is_refused(tmp_path):
    path = key_file(tmp_path, mode=0o644)
    account = config.new_account("a", "https://a.b.batch.azure.com", key_file=str(path))
    with pytest.raises(ConfigError) as info:
        account.shared_key()
    message = str(info.value)
    assert "0644" in message and f"chmod 600 {path}" in message and SECRET not in message


def test_key_file_missing_or_empty(tmp_path):
    missing = config.new_account("a", "https://a.b.batch.azure.com", key_file=str(tmp_path / "nope.key"))
    with pytest.raises(ConfigError, match="not found"):
        missing.shared_key()
    empty = config.new_account("a", "https://a.b.batch.azure.com", key_file=str(key_file(tmp_path, content="\n")))
    with pytest.raises(ConfigError, match="empty"):
        empty.shared_key()


def test_entra_account_has_no_shared_key():
    with pytest.raises(ConfigError, match="entra"):
        config.new_account("a", "https://a.b.batch.azure.com", auth="entra").shared_key()


def test_key_never_in_repr(tmp_path, monkeypatch):
    monkeypatch.setenv("A_KEY", SECRET)
    by_env = config.new_account("a", "https://a.b.batch.azure.com", key_env="A_KEY")
    by_file = config.new_account("b", "https://b.b.batch.azure.com", key_file=str(key_file(tmp_path)))
    for account in (by_env, by_file):
        assert account.shared_key() == SECRET
        assert SECRET not in repr(account) and SECRET not in str(account)
        assert SECRET not in accounts_toml.render_accounts([account])


# --- `batchtui accounts` --------------------------------------------------------------------


def cli(config_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update({config.CONFIG_DIR_ENV: str(config_dir), **extra_env})
    result = subprocess.run([sys.executable, "-m", "batchtui", "accounts", *args],
                            capture_output=True, text=True, env=env, timeout=30)
    assert "Traceback" not in result.stderr
    return result


def test_cli_add_list_remove(config_dir, accounts_file):
    result = cli(config_dir, "list")
    assert result.returncode == 0 and "No accounts configured" in result.stdout

    result = cli(config_dir, "add", "prod", "--endpoint", "myacct.westeurope.batch.azure.com",
                 "--key-env", "PROD_KEY", "--read-only")
    assert result.returncode == 0, result.stderr
    assert "PROD_KEY is not set" in result.stderr  # a note, not an error
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600

    result = cli(config_dir, "add", "emu", "--endpoint", "http://127.0.0.1:8200", "--account-name", "emulator",
                 "--entra")
    assert result.returncode == 0, result.stderr

    result = cli(config_dir, "list", PROD_KEY=SECRET)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ENDPOINT", "AUTH", "KEY", "READ-ONLY", "FROM"]
    assert lines[1].split() == ["prod", "https://myacct.westeurope.batch.azure.com", "shared_key", "env",
                                "PROD_KEY", "yes", "file"]
    assert lines[2].split() == ["emu", "http://127.0.0.1:8200", "entra", "-", "no", "file"]
    assert SECRET not in result.stdout + result.stderr

    result = cli(config_dir, "remove", "prod")
    assert result.returncode == 0
    assert [a.name for a in config.load_accounts()] == ["emu"]


def test_cli_bare_accounts_lists(config_dir):
    config.add_account(config.new_account("a", "https://a.b.batch.azure.com", auth="entra"))
    result = cli(config_dir)
    assert result.returncode == 0 and result.stdout.splitlines()[1].startswith("a ")


def test_cli_list_shows_env_account_without_key(config_dir):
    result = cli(config_dir, "list", AZURE_BATCH_ENDPOINT="envacct.eastus.batch.azure.com",
                 AZURE_BATCH_ACCOUNT="envacct", AZURE_BATCH_ACCESS_KEY=SECRET)
    assert result.returncode == 0
    assert result.stdout.splitlines()[1].split() == [
        "envacct", "https://envacct.eastus.batch.azure.com", "shared_key", "env", "AZURE_BATCH_ACCESS_KEY",
        "no", "env"]
    assert SECRET not in result.stdout


def test_cli_key_file(config_dir, tmp_path):
    path = key_file(tmp_path, mode=0o640)
    result = cli(config_dir, "add", "k", "--endpoint", "https://k.b.batch.azure.com", "--key-file", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("batchtui accounts: ") and f"chmod 600 {path}" in result.stderr
    assert not (config_dir / "accounts.toml").exists()

    path.chmod(0o600)
    result = cli(config_dir, "add", "k", "--endpoint", "https://k.b.batch.azure.com", "--key-file", str(path))
    assert result.returncode == 0, result.stderr
    [account] = config.load_accounts()
    assert account.key_file == str(path.resolve()) and account.shared_key() == SECRET
    listing = cli(config_dir, "list").stdout
    assert f"file {path.resolve()}" in listing and SECRET not in listing

    result = cli(config_dir, "add", "k2", "--endpoint", "https://k.b.batch.azure.com",
                 "--key-file", str(tmp_path / "missing.key"))
    assert result.returncode == 2 and "not found" in result.stderr


def test_cli_add_existing_needs_replace(config_dir):
    args = ("add", "a", "--endpoint", "https://a.b.batch.azure.com", "--entra")
    assert cli(config_dir, *args).returncode == 0
    result = cli(config_dir, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("batchtui accounts: ") and "already exists" in result.stderr
    assert "--replace" in result.stderr
    result = cli(config_dir, *args, "--read-only", "--replace")
    assert result.returncode == 0
    [account] = config.load_accounts()
    assert account.read_only


@pytest.mark.parametrize(("args", "words"), [
    (("add", "x", "--endpoint", "ftp://x.b.c", "--entra"), "--endpoint: must be an http:// or https:// URL"),
    (("add", "x", "--endpoint", "not a url", "--entra"), "--endpoint: 'not a url' is not a URL"),
    (("add", "x", "--endpoint", "http://127.0.0.1:8200", "--entra"), "--account-name: cannot be derived"),
    (("add", "x", "--endpoint", "https://x.b.c", "--key-env", "NOT-A-NAME"), "--key-env: 'NOT-A-NAME' is not"),
    (("remove", "nope"), "no account named 'nope'"),
])
def test_cli_usage_errors(config_dir, args, words):
    result = cli(config_dir, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("batchtui accounts: ") and words in result.stderr


def test_cli_add_requires_one_key_source(config_dir):
    result = cli(config_dir, "add", "x", "--endpoint", "https://x.b.c")
    assert result.returncode == 2 and "--key-env" in result.stderr
    result = cli(config_dir, "add", "x", "--endpoint", "https://x.b.c", "--entra", "--key-env", "K")
    assert result.returncode == 2 and "not allowed with" in result.stderr


def test_cli_remove_env_account_explains(config_dir):
    result = cli(config_dir, "remove", "envacct", AZURE_BATCH_ENDPOINT="https://envacct.eastus.batch.azure.com")
    assert result.returncode == 2 and "environment variables" in result.stderr


def test_cli_broken_file_is_a_clear_error(config_dir, accounts_file):
    write(accounts_file, '[accounts.a]\nendpoint = "https://a.b.c"\nauth = entra\n')
    for args in (("list",), ("remove", "a"), ("add", "b", "--endpoint", "https://b.c.d", "--entra")):
        result = cli(config_dir, *args)
        assert result.returncode == 2
        assert result.stderr.startswith(f"batchtui accounts: {accounts_file}, line 3")


def test_linked_storage_fields_round_trip(tmp_path, monkeypatch):
    from batchtui.account import ConfigError
    from batchtui.config import load_accounts, save_accounts

    path = tmp_path / "accounts.toml"
    path.write_text('[accounts.a]\nendpoint = "https://a.westeurope.batch.azure.com"\nkey_env = "K"\n'
                    'storage_connection_string_env = "A_STORAGE"\n'
                    '[accounts.b]\nendpoint = "https://b.westeurope.batch.azure.com"\nauth = "entra"\n'
                    'storage_account_url = "https://bstore.blob.core.windows.net"\n')
    a, b = load_accounts(path)
    assert a.has_storage and b.has_storage
    assert b.storage_account_url == "https://bstore.blob.core.windows.net"
    monkeypatch.setenv("A_STORAGE", "UseDevelopmentStorage=true")
    assert a.storage_connection_string() == "UseDevelopmentStorage=true"
    monkeypatch.delenv("A_STORAGE")
    with pytest.raises(ConfigError, match="A_STORAGE"):
        a.storage_connection_string()
    save_accounts([a, b], tmp_path / "again.toml")
    assert load_accounts(tmp_path / "again.toml") == [a, b]
    path.write_text('[accounts.c]\nendpoint = "https://c.x.batch.azure.com"\nkey_env = "K"\n'
                    'storage_connection_string_env = "not a name"\n')
    with pytest.raises(ConfigError, match="storage_connection_string_env"):
        load_accounts(path)


# --- keys that are not base64 and endpoints that are not URLs: the message names where they came from ------


NOT_BASE64 = "this is not-a-key!"


def test_a_key_that_is_not_base64_names_its_variable_or_file(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_ENDPOINT, "https://envacct.eastus.batch.azure.com")
    monkeypatch.setenv(config.ENV_ACCESS_KEY, NOT_BASE64)
    with pytest.raises(ConfigError) as info:
        config.env_account_from().shared_key()
    assert str(info.value).startswith("account 'envacct': environment variable AZURE_BATCH_ACCESS_KEY does not "
                                      "hold a base64 account key")
    path = key_file(tmp_path, content=NOT_BASE64)
    with pytest.raises(ConfigError) as info:
        config.new_account("f", "https://f.b.batch.azure.com", key_file=str(path)).shared_key()
    assert str(info.value).startswith(f"{path}: key file of account 'f' does not hold a base64 account key")
    write(tmp_path / "accounts.toml", '[accounts.t]\nendpoint = "https://t.b.batch.azure.com"\nkey_env = "T_KEY"\n')
    monkeypatch.setenv("T_KEY", NOT_BASE64 + "==")
    [account] = config.load_accounts(tmp_path / "accounts.toml")
    with pytest.raises(ConfigError) as info:
        account.shared_key()
    assert "account 't': environment variable T_KEY does not hold a base64 account key" in str(info.value)
    assert NOT_BASE64 not in str(info.value)


def test_cli_with_a_key_that_is_not_base64_says_which_variable(config_dir):
    result = subprocess.run([sys.executable, "-m", "batchtui", "tail", "job", "task"], capture_output=True,
                            text=True, timeout=60,
                            env={**os.environ, config.CONFIG_DIR_ENV: str(config_dir),
                                 config.ENV_ENDPOINT: "https://envacct.eastus.batch.azure.com",
                                 config.ENV_ACCESS_KEY: NOT_BASE64})
    assert result.returncode == 2
    assert result.stderr.startswith("batchtui tail: account 'envacct': environment variable "
                                    "AZURE_BATCH_ACCESS_KEY does not hold a base64 account key")
    assert result.stderr.count("\n") == 1 and NOT_BASE64 not in result.stderr


@pytest.mark.parametrize(("endpoint", "problem"), [
    ("not a url", "'not a url' is not a URL: 'not a url' is not a host name"),
    ("https://", "'https://' is not a URL: it has no host name"),
    ("https://exa mple.com/x", "is not a URL: 'exa mple.com' is not a host name"),
    ("https://-a.b.batch.azure.com", "is not a URL: '-a.b.batch.azure.com' is not a host name"),
    ("http://[::1", "'http://[::1' is not a URL (Invalid IPv6 URL)"),
    ("https://a.b.batch.azure.com:99999", "is not a URL (Port out of range 0-65535)"),
    ("https://user:pw@a.b.batch.azure.com", "must not hold a user name or password"),
    ("https://a.b.batch.azure.com/?x=1", "must not have a query"),
    ("ftp://a.b.c", "must be an http:// or https:// URL, not 'ftp://a.b.c'"),
])
def test_an_endpoint_that_is_not_a_url_names_its_field_or_variable(accounts_file, endpoint, problem, monkeypatch):
    write(accounts_file, f'[accounts.a]\naccount_name = "a"\nauth = "entra"\nendpoint = "{endpoint}"\n')
    with pytest.raises(ConfigError) as info:
        config.load_accounts()
    assert str(info.value).startswith(f"{accounts_file}, line 4: account 'a', field 'endpoint': ")
    assert problem in str(info.value)
    monkeypatch.setenv(config.ENV_ENDPOINT, endpoint)
    monkeypatch.setenv(config.ENV_ACCOUNT, "a")
    with pytest.raises(ConfigError) as info:
        config.env_account_from()
    assert str(info.value).startswith("environment variable AZURE_BATCH_ENDPOINT: ") and problem in str(info.value)


@pytest.mark.parametrize("endpoint", ["https://a.b.batch.azure.com", "http://127.0.0.1:8200", "http://[::1]:8200",
                                      "http://my_emulator:8200", "https://a.b.batch.azure.com/proxy"])
def test_good_endpoints_still_pass(endpoint):
    assert config.new_account("a", endpoint, account_name="a", auth="entra").endpoint == endpoint
