"""Contract: every Blynk call the client makes, sent to the simulator, must
answer what Blynk's documentation shows (tests/fixtures/blynk/, as
docs/blynk-api.md records it): the documented status, and the documented example's shape,
field by field and type by type. A bare array where a page is documented,
a body where 204 is documented or a text where a number is documented fails.

The Things Stack's reference documents messages, not example answers: the
answers of every TTS route Onboarder calls are checked against the
reference's messages (tests/fixtures/tts/messages.json): no field the
message lacks, each of the message's JSON type, hex values in the form of
the reference's examples.
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


TTS_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'tts', 'messages.json')
with open(TTS_FIXTURES, encoding='utf-8') as _f:
    TTS = json.load(_f)


def hex_pattern(example):
    """A documented hex example's form: its length, upper case."""
    if all(c in '0123456789ABCDEF' for c in example):
        return len(example)
    return None


def off_message(message, answer, path='$'):
    """Where @answer strays from the reference's @message: a field the
    message does not have, a JSON type other than the reference's, or a
    hex value in another form than the reference's example (EUIs, NetID)."""
    fields = TTS['messages'][message]
    examples = TTS['examples'].get(message, {})
    if kind(answer) != 'object':
        return ['%s: %s where the reference has message %s' % (path, kind(answer), message)]
    found = []
    for key, value in answer.items():
        where = '%s.%s' % (path, key)
        if key not in fields:
            found.append('%s: not a field of %s' % (where, message))
            continue
        found += off_kind(fields[key], value, where)
        length = hex_pattern(examples[key]) if key in examples else None
        if length and not (isinstance(value, str) and len(value) == length and hex_pattern(value)):
            found.append('%s: %r is not like the documented %r' % (where, value, examples[key]))
    return found


def off_kind(expected, value, where):
    if isinstance(expected, dict) and 'message' in expected:
        return off_message(expected['message'], value, where)
    if isinstance(expected, dict) and 'array' in expected:
        if kind(value) != 'array':
            return ['%s: %s where the reference has an array' % (where, kind(value))]
        return [f for i, item in enumerate(value) for f in off_kind(expected['array'], item, '%s[%d]' % (where, i))]
    wanted = {'integer': ('integer',), 'number': ('integer', 'number')}.get(expected, (expected,))
    if kind(value) not in wanted:
        return ['%s: %s where the reference has %s' % (where, kind(value), expected)]
    return []


class TTSComparator(unittest.TestCase):
    def test_catches(self):
        ids = {'device_id': 'dev', 'application_ids': {'application_id': 'app'}, 'dev_eui': '70B3D57ED000ABCD'}
        self.assertEqual(off_message('EndDeviceIdentifiers', ids), [])
        self.assertTrue(off_message('EndDeviceIdentifiers', dict(ids, devEui='70B3D57ED000ABCD')))   # not a field
        self.assertTrue(off_message('EndDeviceIdentifiers', dict(ids, dev_eui='70b3d57ed000abcd')))  # lower case
        self.assertTrue(off_message('EndDeviceIdentifiers', dict(ids, application_ids='app')))       # not a message
        self.assertTrue(off_message('GetInfoByJoinEUIResponse', {'supports_claiming': 'true'}))      # text for bool
        self.assertTrue(off_message('EndDeviceTemplate', {'field_mask': 'version_ids'}))             # marshaled as {"paths"}
        self.assertTrue(off_message('EndDevices', {'end_devices': {}}))


class TTSContract(SimTestCase):
    """Every answer of the routes Onboarder calls, against the reference's
    messages (tests/fixtures/tts/messages.json)."""

    def assertMessage(self, result, message, status=200):
        self.assertEqual(result[0], status, result[1])
        self.assertEqual(off_message(message, result[1]), [], json.dumps(result[1])[:500])
        return result[1]

    def test_device_components(self):
        self.assertEqual(self.sim.register(), [200, 200, 200, 200])
        masks = {'': 'network_server_address,application_server_address,join_server_address',
                 '/js': 'network_server_address,application_server_address,root_keys',
                 '/ns': 'frequency_plan_id,lorawan_version,lorawan_phy_version,supports_join,supports_class_b,'
                        'supports_class_c',
                 '/as': 'ids'}
        for prefix, mask in masks.items():
            self.assertMessage(self.sim.tts('GET', '%s/applications/warehouse-sensors/devices/eui-0018b20000000101'
                                                   '?field_mask=%s' % (prefix, mask)), 'EndDevice')

    def test_search(self):
        self.assertEqual(self.sim.register(), [200, 200, 200, 200])
        found = self.assertMessage(self.sim.tts('GET', '/search/applications/warehouse-sensors/devices'
                                                       '?dev_eui_contains=0018B20000000101&field_mask=name'), 'EndDevices')
        self.assertEqual(len(found['end_devices']), 1)
        self.assertMessage(self.sim.tts('GET', '/search/applications/warehouse-sensors/devices?dev_eui_contains=FF'),
                           'EndDevices')

    def test_device_repository(self):
        for profile in ('63678', '63679', '4660', '65535'):
            answer = self.assertMessage(self.sim.tts('GET', '/dr/vendors/10/profiles/%s/template' % profile),
                                        'EndDeviceTemplate')
            for field in ('lorawan_version', 'lorawan_phy_version', 'version_ids'):
                self.assertIn(field, answer['end_device'])

    def test_claiming(self):
        eui, join = '0018B2000000C101', 'EC656E0000000101'
        info = self.assertMessage(self.sim.tts('POST', '/edcs/claim/info', {'join_eui': join}),
                                  'GetInfoByJoinEUIResponse')
        self.assertEqual(info['supports_claiming'], True)
        self.assertMessage(self.sim.tts('POST', '/edcs/claim', {
            'authenticated_identifiers': {'join_eui': join, 'dev_eui': eui, 'authentication_code': 'OT' + eui},
            'target_application_ids': {'application_id': 'warehouse-sensors'}, 'target_device_id': 'claimed'}),
            'EndDeviceIdentifiers')
        self.assertEqual(self.sim.is_create(eui, join, device_id='claimed')[0], 200)
        self.assertMessage(self.sim.tts('GET', '/edcs/claim/warehouse-sensors/devices/claimed'), 'GetClaimStatusResponse')
        self.assertEqual(self.sim.tts('DELETE', '/edcs/claim/warehouse-sensors/devices/claimed'), (200, {}))


if __name__ == '__main__':
    unittest.main()
