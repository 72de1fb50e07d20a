"""The Identity Server's end-device search: substring matching on EUIs,
the request's field rules, paging and rights."""

import unittest

from simtest import APP, KEY, KEY_OTHER_APP, KEY_READ_ONLY, SimTestCase

SEARCH = '/search/applications/%s/devices' % APP


class Search(SimTestCase):
    def setUp(self):
        super().setUp()
        # Same DevEUI under two JoinEUIs (the IS reserves the pair), and a
        # third device that shares most of the DevEUI.
        for dev_eui, join_eui, device_id in (('0018B20000000101', '70B3D57ED0000010', 'first'),
                                             ('0018B20000000101', '70B3D57ED0000020', 'second'),
                                             ('0018B20000000102', '70B3D57ED0000010', 'third')):
            status, body = self.sim.is_create(dev_eui, join_eui, device_id=device_id, name='Box ' + device_id)
            self.assertEqual(status, 200, body)

    def found(self, query, key=KEY):
        status, body = self.sim.tts('GET', SEARCH + query, key=key)
        self.assertEqual(status, 200, body)
        return [d['ids']['device_id'] for d in body.get('end_devices', [])]

    def test_dev_eui_is_a_substring_match(self):
        self.assertEqual(self.found('?dev_eui_contains=0018B20000000101'), ['first', 'second'])
        self.assertEqual(self.found('?dev_eui_contains=0018b2000000010'), ['first', 'second', 'third'])
        self.assertEqual(self.found('?dev_eui_contains=0018B20000000101&join_eui_contains=70B3D57ED0000020'),
                         ['second'])
        self.assertEqual(self.found('?id_contains=IR'), ['first', 'third'])
        self.assertEqual(self.found('?query=d0000020'), ['second'])

    def test_answer_carries_ids_and_the_mask(self):
        status, body = self.sim.tts('GET', SEARCH + '?dev_eui_contains=0018B20000000102&field_mask=name,join_server_address')
        self.assertEqual(status, 200, body)
        device = body['end_devices'][0]
        self.assertEqual(device['ids'], {'device_id': 'third', 'dev_eui': '0018B20000000102',
                                         'join_eui': '70B3D57ED0000010',
                                         'application_ids': {'application_id': APP}})
        self.assertEqual(device['name'], 'Box third')
        self.assertIn('join_server_address', device)
        self.assertNotIn('network_server_address', device)
        self.assertEqual(sorted(device), ['created_at', 'ids', 'join_server_address', 'name', 'updated_at'])

    def test_nothing_found_is_an_empty_object(self):
        status, body = self.sim.tts('GET', SEARCH + '?dev_eui_contains=FFFF')
        self.assertEqual((status, body), (200, {}))

    def test_order_limit_page_and_total(self):
        status, body, headers = self.sim.request('GET', '/api/v3' + SEARCH + '?order=-device_id&limit=2&page=1',
                                                 headers={'Authorization': 'Bearer ' + KEY})
        self.assertEqual(status, 200, body)
        self.assertEqual([d['ids']['device_id'] for d in body['end_devices']], ['third', 'second'])
        self.assertEqual(headers['X-Total-Count'], '3')
        self.assertEqual(self.found('?order=-device_id&limit=2&page=2'), ['first'])
        self.assertEqual(self.found('?limit=2&page=0'), ['first', 'second'])

    def test_field_rules(self):
        for query, field in (('?dev_eui_contains=0018B200000001010', 'dev_eui_contains'),
                             ('?join_eui_contains=70B3D57ED00000100', 'join_eui_contains'),
                             ('?id_contains=' + 'x' * 51, 'id_contains'),
                             ('?order=dev_addr', 'order'),
                             ('?limit=1001', 'limit'),
                             ('?attributes_contain[Bad_Key]=x', 'attributes_contain')):
            detail = self.assertTTSError(self.sim.tts('GET', SEARCH + query), 400, 'validation')
            self.assertEqual(detail['attributes']['field'], field, query)
        self.assertDecodeError(self.sim.tts('GET', SEARCH + '?limit=ten'))
        detail = self.assertTTSError(self.sim.tts('GET', SEARCH + '?field_mask=root_keys'), 400, 'field_mask_paths')
        self.assertEqual(detail['attributes']['forbidden_paths'], ['root_keys'])

    def test_rights_like_other_reads(self):
        self.assertEqual(self.found('?dev_eui_contains=0101', key=KEY_READ_ONLY), ['first', 'second'])
        self.assertTTSError(self.sim.tts('GET', SEARCH, key=None), 401, 'unauthenticated')
        self.assertTTSError(self.sim.tts('GET', SEARCH, key=KEY_OTHER_APP), 403, 'no_application_rights')

    def test_other_applications_devices_are_not_found(self):
        status, body = self.sim.is_create('0018B20000000199', key=KEY_OTHER_APP, app='other-app')
        self.assertEqual(status, 200, body)
        self.assertEqual(self.found('?dev_eui_contains=0018B20000000199'), [])


if __name__ == '__main__':
    unittest.main()
