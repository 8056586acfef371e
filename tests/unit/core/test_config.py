"""The configuration schema: typed values parsed once, clear errors, sources, masked secrets."""
import pytest

from core.config import SCHEMA, ConfigError, load_config


def test_every_key_has_a_type_default_and_description():
    """Each key of the schema is declared completely, and its default passes its own parser."""
    for key in SCHEMA:
        assert key.description, key.name
        assert key.parse(key.default, "default") == key.default, key.name


def test_environment_values_are_typed_and_the_prefixed_name_wins():
    """Text from the environment becomes the key's type; UITKIJK_<NAME> overrides <NAME>."""
    config = load_config(environ={"AMI_PORT": "6000", "UITKIJK_AMI_PORT": "6001", "SECURE_COOKIES": "off",
                                  "TRUNK_CPS": "2.5", "TRUNK_CHANNEL_VARIABLES": '{"A": "1"}',
                                  "MAP_CENTRE": "52.1,5.2"})
    assert config["AMI_PORT"] == 6001 and config.sources["AMI_PORT"] == "environment UITKIJK_AMI_PORT"
    assert config["SECURE_COOKIES"] is False and config["TRUNK_CPS"] == 2.5
    assert config["TRUNK_CHANNEL_VARIABLES"] == {"A": "1"} and config["MAP_CENTRE"] == (52.1, 5.2)
    assert config.sources["MAX_ATTEMPTS"] == "default"


def test_overrides_win_over_the_environment_and_are_parsed_too():
    """create_app(test_config) values override the environment and are typed like it."""
    config = load_config({"IVR_RING_S": "7", "TESTING": True}, environ={"IVR_RING_S": "9"})
    assert config["IVR_RING_S"] == 7 and config.sources["IVR_RING_S"] == "overrides"
    assert config["TESTING"] is True


@pytest.mark.parametrize("name, value, words", [
    ("AMI_PORT", "five", "AMI_PORT='five' (from environment AMI_PORT)"),
    ("IVR_RING_S", "0", "must be at least 1"),
    ("SECURE_COOKIES", "maybe", "expected true or false"),
    ("VOICE_TRANSPORT", "pigeon", "must be one of console, asterisk, twilio, per-room"),
    ("TRUNK_CHANNEL_VARIABLES", "[1]", "expected a JSON object"),
    ("MAP_CENTRE", "91,5", "out of range"),
])
def test_a_bad_value_names_the_key_and_where_it_came_from(name, value, words):
    """A value that cannot be used stops the start with a message naming key, value and source."""
    with pytest.raises(ConfigError) as error:
        load_config(environ={name: value})
    assert words in str(error.value)


def test_unknown_prefixed_variables_are_reported():
    """A UITKIJK_ variable that names no key is listed (a typo), the project's tooling variables (and the
    benchmarks' UITKIJK_BENCH_* knobs) are not."""
    config = load_config(environ={"UITKIJK_AMI_PROT": "1", "UITKIJK_ASTERISK_ROOT": "/x", "HOME": "/root",
                                  "UITKIJK_BENCH_CORE": "selection", "UITKIJK_BENCH_PARTICIPANTS": "1000"})
    assert config.unknown == ("UITKIJK_AMI_PROT",)


def test_describe_masks_secrets_and_passwords_in_urls():
    """The printed configuration never shows a secret nor the password inside a URL."""
    config = load_config(environ={"AMI_SECRET": "s3cret", "DATABASE_URL": "postgresql://u:pw@db:5432/x"})
    rows = {name: (shown, source) for name, shown, source, _ in config.describe()}
    assert rows["AMI_SECRET"] == ("********", "environment AMI_SECRET")
    assert rows["DATABASE_URL"][0] == "postgresql://u:********@db:5432/x"
    assert rows["TWILIO_AUTH_TOKEN"] == ("(empty)", "default")
    assert "s3cret" not in repr(rows) and "pw@" not in repr(rows)


@pytest.mark.parametrize("environ, language, source", [
    ({}, "nl", "default"),
    ({"LANG": "C.UTF-8"}, "nl", "default"),
    ({"LANG": "de_DE.UTF-8"}, "nl", "default"),  # the commands have no German: Dutch, not an error
    ({"LANG": "en_GB.UTF-8"}, "en", "environment LANG"),
    ({"LANG": "nl_NL.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en", "environment LC_ALL"),
    ({"LANG": "en_GB.UTF-8", "UITKIJK_CLI_LANGUAGE": "nl"}, "nl", "environment UITKIJK_CLI_LANGUAGE"),
])
def test_the_commands_speak_the_terminals_language_unless_told(environ, language, source):
    config = load_config(environ=environ)
    assert (config["CLI_LANGUAGE"], config.sources["CLI_LANGUAGE"]) == (language, source)
