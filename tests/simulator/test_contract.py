"""Contract: every Blynk call the client makes, sent to the simulator, must
answer what Blynk's documentation shows (tests/fixtures/blynk/, as
docs/blynk-api.md records it): the documented status, and the documented example's shape,
field by field and type by type. A bare array where a page is documented,
a body where 204 is documented or a text where a number is documented fails.
"""

import json
import os
import unittest

from simtest import CLIENT_ID, CLIENT_SECRET, OWNER, STATIC_TOKENS, TEMPLATE, TEMPLATE_NUMBER, SimTestCase

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'blynk')


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as f:
        return json.load(f)


def kind(value):
    """JSON types as JSON knows them: a whole number is not a fraction."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    return 'object'


def mismatches(example, answer, path='$'):
    """Where @answer differs from the documented @example: every member of
    the example present with the same JSON type, recursively; each element
    of an answer's array like the example's first element. Members the
    example does not show are allowed (single-device answers carry more)."""
    if kind(example) != kind(answer):
        return ['%s: %s where the documentation shows %s' % (path, kind(answer), kind(example))]
    found = []
    if isinstance(example, dict):
        for key, value in example.items():
            if key not in answer:
                found.append('%s.%s: missing' % (path, key))
            else:
                found += mismatches(value, answer[key], '%s.%s' % (path, key))
    elif isinstance(example, list) and example:
        if not answer:
            found.append('%s: empty, cannot be compared with the documented example' % path)
        for i, item in enumerate(answer):
            found += mismatches(example[0], item, '%s[%d]' % (path, i))
    return found


class Comparator(unittest.TestCase):
    """The comparison itself fails on what it must catch."""

    def test_catches(self):
        page = fixture('device-page.json')
        device = fixture('device.json')
        self.assertEqual(mismatches(page, page), [])
        self.assertTrue(mismatches(page, page['content']))                         # bare array for a page
        self.assertTrue(mismatches(device, dict(device, templateId='TMPL0NqfCLjWX')))  # string for a number
        self.assertTrue(mismatches(device, dict(device, id=1.0)))                  # fraction for a whole number
        self.assertTrue(mismatches(device, {k: v for k, v in device.items() if k != 'hardwareInfo'}))
        self.assertTrue(mismatches(page, dict(page, content=[dict(device, ownerUserId='879')])))
        got = fixture('device-get.json')
        broken = dict(got, metaFieldValues=[{'id': 1, 'name': 'Serial Number', 'value': 'SN:123'}])
        self.assertTrue(mismatches(got, broken))                                   # plain value for {type, value}
        self.assertTrue(mismatches(fixture('token.json'), dict(fixture('token.json'), expires_in='300')))


class Contract(SimTestCase):
    def assertDocumented(self, answer, status, expected_status, example):
        self.assertEqual(status, expected_status, answer)
        self.assertEqual(mismatches(fixture(example), answer), [], json.dumps(answer)[:500])

    def assertNoBody(self, call, expected_status=204):
        status, body = call
        self.assertEqual((status, body), (expected_status, None))

    def test_every_call_the_client_makes(self):
        # POST /oauth2/token
        status, token, _ = self.sim.blynk_token()
        self.assertDocumented(token, status, 200, 'token.json')
        status, failure, _ = self.sim.blynk_token(CLIENT_ID, CLIENT_SECRET + 'x')
        self.assertDocumented(failure, status, 400, 'token-error.json')
        self.assertEqual(failure, fixture('token-error.json'))
        bearer = token['access_token']

        # GET templates, template metafields
        status, templates = self.sim.blynk('GET', '/templates?page=0&size=100', token=bearer)
        self.assertDocumented(templates, status, 200, 'templates-page.json')
        status, fields = self.sim.blynk('GET', '/template/metafields?templateId=%d' % TEMPLATE_NUMBER, token=bearer)
        self.assertDocumented(fields, status, 200, 'template-metafields.json')

        # POST device/create
        status, device = self.sim.blynk('POST', '/device/create',
                                        {'templateId': TEMPLATE, 'name': 'Contract 01', 'ownerId': OWNER}, bearer)
        self.assertDocumented(device, status, 201, 'device.json')

        # POST device/metafield: 204, no body
        field = next(f for f in fields if f['name'] == 'Device EUI')
        self.assertNoBody(self.sim.blynk('POST', '/device/metafield', {
            'deviceId': device['id'], 'metaFieldId': field['id'], 'newValue': '0018B20000000101'}, bearer))

        # GET device (with metaFieldValues), device metafields, baseInfo
        status, got = self.sim.blynk('GET', '/device?deviceId=%d' % device['id'], token=bearer)
        self.assertDocumented(got, status, 200, 'device-get.json')
        status, plain = self.sim.blynk('GET', '/device/metafield?deviceId=%d' % device['id'], token=bearer)
        self.assertDocumented(plain, status, 200, 'device-metafields.json')
        status, base = self.sim.blynk('GET', '/device/baseInfo?deviceId=%d' % device['id'], token=bearer)
        self.assertDocumented(base, status, 200, 'device.json')

        # GET search/devices, devices: pages
        status, found = self.sim.blynk('GET', '/search/devices?query=Contract&page=0&size=100', token=bearer)
        self.assertDocumented(found, status, 200, 'device-page.json')
        status, listed = self.sim.blynk('GET', '/devices?page=0&size=100', token=bearer)
        self.assertDocumented(listed, status, 200, 'device-page.json')

        # GET static-tokens, before and after a claim
        status, tokens = self.sim.blynk('GET', '/static-tokens?page=0&size=100', token=bearer)
        self.assertDocumented(tokens, status, 200, 'static-tokens-page.json')
        # The claim's answer is undocumented; when it is a device, it is the
        # documented device object.
        status, claimed = self.sim.blynk('POST', '/static-tokens/claim', {'token': STATIC_TOKENS[0], 'userId': OWNER}, bearer)
        self.assertDocumented(claimed, status, 200, 'device.json')
        status, tokens = self.sim.blynk('GET', '/static-tokens?page=0&size=100', token=bearer)
        self.assertDocumented(tokens, status, 200, 'static-tokens-page.json')

        # DELETE device: 204, no body; errors: {"error": {"message"}}
        self.assertNoBody(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id'], token=bearer))
        status, missing = self.sim.blynk('GET', '/device?deviceId=%d' % device['id'], token=bearer)
        self.assertDocumented(missing, status, 404, 'error.json')
        self.assertEqual(missing['error']['message'],
                         'Device with identifier %d is not found or belong to another organization.' % device['id'])

    def test_documented_failures_of_the_calls_the_client_makes(self):
        """Each failure the documentation prints for a call the client
        makes: its status, the error shape and the text word for word."""
        bearer = self.sim.blynk_token()[1]['access_token']

        def failure(method, path, body, status, text):
            got_status, answer = self.sim.blynk(method, path, body, bearer)
            self.assertDocumented(answer, got_status, status, 'error.json')
            self.assertEqual(answer['error']['message'], text)

        failure('POST', '/device/create', {'templateId': 'TMPL0000000000', 'name': 'Contract 02', 'ownerId': OWNER},
                404, 'Template is not found.')
        failure('POST', '/device/create', {'templateId': TEMPLATE, 'name': 'Contract 02', 'ownerId': OWNER + 999},
                404, 'User is not found or you don\'t have access to him.')
        failure('POST', '/device/create', {'templateId': TEMPLATE, 'name': 'Contract 02', 'ownerId': OWNER,
                                           'orgId': 1}, 404, 'Organization is not found or you don\'t have access to it.')
        failure('GET', '/template/metafields?templateId=%d' % (TEMPLATE_NUMBER + 999), None,
                404, 'Template is not found or you don\'t have access to it.')

        status, device = self.sim.blynk('POST', '/device/create',
                                        {'templateId': TEMPLATE, 'name': 'Contract 02', 'ownerId': OWNER}, bearer)
        self.assertEqual(status, 201, device)
        field = next(f for f in self.sim.blynk('GET', '/template/metafields?templateId=%d' % TEMPLATE_NUMBER,
                                               token=bearer)[1] if f['type'] == 'Text')
        failure('POST', '/device/metafield', {'deviceId': device['id'], 'metaFieldId': 999999, 'newValue': 'x'},
                404, 'Meta field is not found.')
        failure('POST', '/device/metafield', {'deviceId': device['id'], 'metaFieldId': field['id'], 'newValue': 'x' * 256},
                400, 'The provided value for metafield is invalid.')
        failure('POST', '/device/metafield', {'deviceId': device['id'] + 999, 'metaFieldId': field['id'], 'newValue': 'x'},
                404, 'Device with identifier %d is not found or belong to another organization.' % (device['id'] + 999))


if __name__ == '__main__':
    unittest.main()
