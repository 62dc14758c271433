"""Ranger: every export file of the corpus loads into the typed model; the admin REST client against a FAKE server."""
import json
from fake_http import JsonHandler, serving
from pathlib import Path

import pytest

from okdp_migrate.connectors.ranger import RangerAdmin, parse_export, read_export
from okdp_migrate.errors import AuthError, BadInputError, ServiceUnreachable

pytestmark = pytest.mark.unit
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ranger"

POLICY = {"id": 7, "service": "hive-tdp", "name": "sales read", "policyType": 0, "isEnabled": True,
          "resources": {"database": {"values": ["sales"]}, "table": {"values": ["*"]},
                        "column": {"values": ["*"], "isExcludes": False}},
          "policyItems": [{"users": ["ann"], "groups": ["analysts"], "roles": ["bi"],
                           "accesses": [{"type": "select", "isAllowed": True}, {"type": "drop", "isAllowed": False}],
                           "conditions": [{"type": "ip-range", "values": ["10.0.0.0/8"]}]}],
          "denyPolicyItems": [{"users": ["bob"], "accesses": [{"type": "select", "isAllowed": True}]}]}
MASK = {"id": 8, "service": "hive-tdp", "name": "mask ssn", "policyType": 1, "isEnabled": False,
        "resources": {"database": {"values": ["hr"]}, "table": {"values": ["emp"]}, "column": {"values": ["ssn"]}},
        "dataMaskPolicyItems": [{"groups": ["public"], "accesses": [{"type": "select", "isAllowed": True}],
                                 "dataMaskInfo": {"dataMaskType": "MASK_SHOW_LAST_4"}}]}
ROWF = {"id": 9, "service": "hive-tdp", "name": "fr only", "policyType": 2,
        "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}},
        "rowFilterPolicyItems": [{"groups": ["fr"], "accesses": [{"type": "select", "isAllowed": True}],
                                  "rowFilterInfo": {"filterExpr": "country = 'FR'"}}]}


def test_every_corpus_file_loads():
    files = sorted(CORPUS.rglob("*.json")) if CORPUS.exists() else []
    if not files:
        pytest.skip(f"{CORPUS} absent")
    total = sum(len(read_export(f).policies) for f in files)
    assert total > 500


def test_policy_model_allow_deny_mask_row_filter():
    exp = parse_export({"serviceName": "hive-tdp", "serviceDef": {"name": "hive"}, "policies": [POLICY, MASK, ROWF]})
    p, m, r = exp.policies
    assert p.resources["database"].values == ["sales"] and p.allow[0].accesses == ["select"]
    assert p.allow[0].roles == ["bi"] and p.allow[0].conditions[0]["type"] == "ip-range"
    assert p.deny[0].users == ["bob"] and p.service_type == "hive"
    assert (m.policy_type, m.enabled, m.masking[0].mask_type) == ("masking", False, "MASK_SHOW_LAST_4")
    assert (r.policy_type, r.row_filters[0].filter_expr) == ("row_filter", "country = 'FR'")


def test_malformed_json_is_one_line(tmp_path):
    p = tmp_path / "export.json"
    p.write_text('{"policies": [ {"name": "x",, } ]}')
    with pytest.raises(BadInputError) as err:
        read_export(p)
    assert "line 1" in str(err.value) and str(p) in str(err.value)


class FakeRanger(JsonHandler):
    """A FAKE Ranger admin: three endpoints of the public v2 API, basic auth admin:pw, pages of 2."""

    def do_GET(self):  # noqa: N802
        import base64

        if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"admin:pw").decode():
            self.send_response(401)
            self.end_headers()
            return
        from urllib.parse import parse_qs, urlparse

        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path == "/service/public/v2/api/service":
            body = [{"name": "hive-tdp", "type": "hive"}]
        elif u.path == "/service/public/v2/api/policy":
            start, size = int(q["startIndex"]), int(q["pageSize"])
            body = [POLICY, MASK, ROWF][start:start + size]
        elif u.path == "/service/public/v2/api/roles":
            body = [{"name": "bi", "users": [{"name": "ann"}], "groups": [{"name": "analysts"}]}]
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_json(body)


@pytest.fixture
def fake_ranger():
    with serving(FakeRanger) as url:
        yield url


def test_rest_export_pages_and_types(fake_ranger):
    exp = RangerAdmin(fake_ranger, "admin", "pw", page_size=2).export()
    assert [p.name for p in exp.policies] == ["sales read", "mask ssn", "fr only"]
    assert all(p.service_type == "hive" for p in exp.policies)
    assert exp.roles[0].users == ["ann"] and exp.services == {"hive-tdp": "hive"}


def test_rest_bad_credentials_and_unreachable(fake_ranger):
    with pytest.raises(AuthError):
        RangerAdmin(fake_ranger, "admin", "wrong").services()
    with pytest.raises(ServiceUnreachable):
        RangerAdmin("http://127.0.0.1:9", "admin", "pw", timeout=2).services()
