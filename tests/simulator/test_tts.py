"""The Things Stack endpoints: a correct registration, and every strictness
rule with its status and error name."""

import unittest

from simtest import APP, KEY, KEY_NO_KEYS, KEY_OTHER_APP, KEY_READ_ONLY, SimTestCase

DEV = 'eui-0018b20000000101'
IDS = {'device_id': DEV, 'dev_eui': '0018B20000000101', 'join_eui': '70B3D57ED0000010',
       'application_ids': {'application_id': APP}}
NS_PATHS = ['supports_join', 'lorawan_version', 'lorawan_phy_version', 'frequency_plan_id']


def ns_device(**extra):
    dev = {'ids': IDS, 'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
           'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'frequency_plan_id': 'EU_863_870_TTN'}
    dev.update(extra)
    return dev


class Registration(SimTestCase):
    def test_correct_registration(self):
        self.assertEqual(self.sim.register(), [200, 200, 200, 200])
        state = self.sim.state()
        key = '%s/%s' % (APP, DEV)
        for component in ('is', 'js', 'ns', 'as'):
            self.assertIn(key, state['tts'][component])
        self.assertEqual(state['tts']['js'][key]['root_keys']['app_key']['key'],
                         'FE129A793DB74CCBB6F273BC8B81D905')
        self.assertEqual(state['tts']['ns'][key]['frequency_plan_id'], 'EU_863_870_TTN')
        self.assertEqual(state['rejected'], [])

    def test_read_back_with_field_mask(self):
        self.sim.register()
        status, body = self.sim.tts('GET', '/ns/applications/%s/devices/%s?field_mask=lorawan_version,frequency_plan_id' % (APP, DEV))
        self.assertEqual(status, 200, body)
        self.assertEqual(body['lorawan_version'], 'MAC_V1_0_3')
        self.assertEqual(body['frequency_plan_id'], 'EU_863_870_TTN')
        self.assertNotIn('supports_join', body)
        status, body = self.sim.tts('GET', '/js/applications/%s/devices/%s?field_mask=root_keys.app_key.key' % (APP, DEV))
        self.assertEqual(body['root_keys']['app_key']['key'], 'FE129A793DB74CCBB6F273BC8B81D905')
        status, body = self.sim.tts('GET', '/applications/%s/devices/%s?field_mask=network_server_address' % (APP, DEV))
        self.assertEqual(status, 200)
        self.assertEqual(body['ids']['dev_eui'], '0018B20000000101')
        self.assertIn('network_server_address', body)

    def test_lower_case_euis_are_normalised(self):
        status, body = self.sim.is_create('0018b20000000101', '70b3d57ed0000010')
        self.assertEqual(status, 200, body)
        self.assertEqual(body['ids']['dev_eui'], '0018B20000000101')

    def test_delete_in_reverse(self):
        self.sim.register()
        for component in ('as', 'ns', 'js'):
            self.assertEqual(self.sim.tts('DELETE', '/%s/applications/%s/devices/%s' % (component, APP, DEV))[0], 200)
        self.assertEqual(self.sim.tts('DELETE', '/applications/%s/devices/%s' % (APP, DEV))[0], 200)
        state = self.sim.state()
        self.assertEqual([state['tts'][c] for c in ('is', 'js', 'ns', 'as')], [{}, {}, {}, {}])
        self.assertTTSError(self.sim.tts('DELETE', '/js/applications/%s/devices/%s' % (APP, DEV)), 404, 'device_not_found')
        self.assertTTSError(self.sim.tts('DELETE', '/ns/applications/%s/devices/%s' % (APP, DEV)), 404, 'not_found')
        self.assertTTSError(self.sim.tts('DELETE', '/applications/%s/devices/%s' % (APP, DEV)), 404, 'end_device_not_found')

    def test_auth_info_application_and_plans(self):
        status, body = self.sim.tts('GET', '/auth_info')
        self.assertEqual(status, 200)
        self.assertIn('RIGHT_APPLICATION_DEVICES_WRITE_KEYS', body['api_key']['api_key']['rights'])
        self.assertEqual(body['api_key']['entity_ids']['application_ids']['application_id'], APP)
        self.assertNotIn('key', body['api_key']['api_key'])
        status, body = self.sim.tts('GET', '/applications/%s' % APP)
        self.assertEqual((status, body['ids']['application_id']), (200, APP))
        status, body = self.sim.tts('GET', '/configuration/frequency-plans', key=None)
        self.assertEqual(status, 200)
        ids = [p['id'] for p in body['frequency_plans']]
        self.assertIn('EU_863_870_TTN', ids)
        self.assertIn('US_902_928_FSB_2', ids)
        status, body = self.sim.tts('GET', '/configuration/frequency-plans?band_id=US_902_928', key=None)
        self.assertEqual([p['id'] for p in body['frequency_plans']], ['US_902_928_FSB_2'])


class Decoding(SimTestCase):
    """JSON decoding errors: 400, code 3, empty details."""

    def test_not_json(self):
        status, body, _ = self.sim.request('POST', '/api/v3/applications/%s/devices' % APP, raw=b'{nope',
                                           headers={'Authorization': 'Bearer ' + KEY})
        self.assertDecodeError((status, body))

    def test_eui_length(self):
        self.assertDecodeError(self.sim.is_create('0018B200000001'))
        self.assertDecodeError(self.sim.is_create('0018B20000000101', '70B3D57ED000001000'))

    def test_eui_not_hex(self):
        result = self.sim.is_create('0018B2000000010G')
        self.assertDecodeError(result)
        self.assertIn('invalid_hex', result[1]['message'])

    def test_key_length(self):
        self.sim.is_create()
        result = self.sim.component_set('js', DEV, {'ids': IDS, 'root_keys': {'app_key': {'key': 'FE129A793DB74CCB'}}},
                                        ['root_keys.app_key.key'])
        self.assertDecodeError(result)
        self.assertIn('invalid_length', result[1]['message'])

    def test_unknown_enum_names(self):
        self.sim.is_create()
        self.assertDecodeError(self.sim.component_set('ns', DEV, ns_device(lorawan_version='MAC_V1_0_5'), NS_PATHS))
        self.assertDecodeError(self.sim.component_set('ns', DEV, ns_device(lorawan_phy_version='PHY_V1_0_3'), NS_PATHS))
        self.assertDecodeError(self.sim.component_set('ns', DEV, ns_device(lorawan_version='mac_v1_0_3'), NS_PATHS))

    def test_unknown_field(self):
        self.assertDecodeError(self.sim.is_create(frobnicate=True))
        self.sim.is_create()
        self.assertDecodeError(self.sim.tts('PUT', '/as/applications/%s/devices/%s' % (APP, DEV),
                                            {'end_device': {'ids': IDS}, 'fieldmask': {'paths': []}}))

    def test_wrong_type(self):
        self.sim.is_create()
        self.assertDecodeError(self.sim.component_set('ns', DEV, ns_device(supports_join='true'), NS_PATHS))


class Enums(SimTestCase):
    def ns_set(self, mac, phy, plan='EU_863_870_TTN'):
        self.sim.reset()
        self.sim.is_create()
        return self.sim.component_set('ns', DEV, ns_device(lorawan_version=mac, lorawan_phy_version=phy,
                                                           frequency_plan_id=plan), NS_PATHS)

    def test_aliases_accepted(self):
        for mac, phy in [('MAC_V1_0_3', 'RP001_V1_0_3_REV_A'), ('V1_0_3', 'V1_0_3_REV_A'),
                         ('1.0.3', '1.0.3-a'), (5, 7), ('MAC_V1_0_2', 'RP001_V1_0_2_REV_B'),
                         ('MAC_V1_0', 'TS001_V1_0'), ('MAC_V1_0_4', 'RP002_V1_0_3'),
                         ('MAC_V1_1', 'RP001_V1_1_REV_B'), ('MAC_V1_1', 'RP002_V1_0_4')]:
            status, body = self.ns_set(mac, phy)
            self.assertEqual(status, 200, (mac, phy, body))
        self.assertEqual(body['lorawan_version'], 'MAC_V1_1')
        status, body = self.ns_set('MAC_V1_0_3', 'RP001_V1_0_3_REV_A')
        self.assertEqual(body['lorawan_phy_version'], 'PHY_V1_0_3_REV_A')

    def test_band_without_version(self):
        detail = self.assertTTSError(self.ns_set('MAC_V1_0', 'PHY_V1_0', 'AS_923'), 400, 'no_band_version')
        self.assertEqual(detail['namespace'], 'pkg/networkserver')
        self.assertEqual(detail['attributes'], {'ver': 'PHY_V1_0', 'id': 'AS_923'})
        self.assertEqual(self.ns_set('MAC_V1_0', 'PHY_V1_0', 'EU_863_870')[0], 200)

    def test_mac_phy_mismatch(self):
        detail = self.assertTTSError(self.ns_set('MAC_V1_0_3', 'PHY_V1_0_2_REV_B'), 400, 'field_value')
        self.assertEqual(detail['attributes']['field'], 'lorawan_phy_version')
        self.assertEqual(detail['namespace'], 'pkg/networkserver')
        self.assertTTSError(self.ns_set('MAC_V1_0_4', 'PHY_V1_0_3_REV_A'), 400, 'field_value')

    def test_unknown_frequency_plan(self):
        detail = self.assertTTSError(self.ns_set('MAC_V1_0_3', 'PHY_V1_0_3_REV_A', 'EU_868_TTN'), 404, 'not_found')
        self.assertEqual(detail['namespace'], 'pkg/frequencyplans')
        self.assertEqual(detail['code'], 5)


class Identifiers(SimTestCase):
    def test_device_id_rules(self):
        for bad in ('EUI-0018b20000000101', 'eui_0018b20000000101', 'ab', '-abc', 'abc-', 'a--bc',
                    'a' * 37, ''):
            detail = self.assertTTSError(self.sim.is_create(device_id=bad or None) if bad else
                                         self.sim.tts('POST', '/applications/%s/devices' % APP,
                                                      {'end_device': {'ids': {'dev_eui': '0018B20000000101'}}}),
                                         400, 'validation')
            self.assertEqual(detail['attributes']['field'], 'end_device.ids.device_id')
        self.assertEqual(self.sim.is_create(device_id='a' * 36)[0], 200)
        self.assertEqual(self.sim.is_create('0018B20000000102', device_id='abc')[0], 200)
        # The URL's ID is checked on the components too.
        self.assertTTSError(self.sim.component_set('as', 'Bad_ID', {}, []), 400, 'validation')

    def test_id_taken(self):
        self.assertEqual(self.sim.is_create()[0], 200)
        detail = self.assertTTSError(self.sim.is_create('0018B20000000199', device_id=DEV), 409, 'id_taken')
        self.assertEqual(detail['namespace'], 'pkg/identityserver/store')
        self.assertEqual(detail['code'], 6)

    def test_euis_taken_across_applications(self):
        self.assertEqual(self.sim.is_create()[0], 200)
        detail = self.assertTTSError(self.sim.is_create(device_id='another-name'), 409, 'end_device_euis_taken')
        self.assertEqual(detail['attributes']['device_id'], DEV)
        detail = self.assertTTSError(self.sim.is_create(device_id='other', app='other-app', key=KEY_OTHER_APP),
                                     409, 'end_device_euis_taken')
        self.assertEqual(detail['attributes']['application_id'], APP)
        # Another JoinEUI with the same DevEUI is another pair.
        self.assertEqual(self.sim.is_create(join_eui='70B3D57ED0000011', device_id='other')[0], 200)

    def test_components_refuse_devices_the_is_lacks(self):
        for component, paths in (('js', ['root_keys.app_key.key']), ('ns', NS_PATHS), ('as', [])):
            end_device = ns_device() if component == 'ns' else {'ids': IDS, 'root_keys': {'app_key': {'key': '11' * 16}}}
            self.assertTTSError(self.sim.component_set(component, DEV, end_device, paths), 404, 'end_device_not_found')

    def test_components_refuse_other_euis(self):
        self.sim.is_create()
        ids = dict(IDS, dev_eui='0018B20000000199')
        detail = self.assertTTSError(self.sim.component_set('as', DEV, {'ids': ids}, []), 400, 'invalid_identifiers')
        self.assertEqual(detail['namespace'], 'pkg/applicationserver/redis')

    def test_leftover_component_records_block_euis(self):
        self.sim.register()
        # Deleted from the IS only: JS/NS/AS keep their records.
        self.assertEqual(self.sim.tts('DELETE', '/applications/%s/devices/%s' % (APP, DEV))[0], 200)
        self.assertEqual(self.sim.is_create(device_id='replacement')[0], 200)
        ids = dict(IDS, device_id='replacement')
        detail = self.assertTTSError(
            self.sim.component_set('js', 'replacement', {'ids': ids, 'root_keys': {'app_key': {'key': '11' * 16}}},
                                   ['root_keys.app_key.key']), 409, 'duplicate_identifiers')
        self.assertEqual(detail['namespace'], 'pkg/joinserver')
        self.assertEqual(detail['attributes']['device_id'], DEV)


class FieldMasks(SimTestCase):
    def setUp(self):
        super().setUp()
        self.sim.is_create()

    def test_each_component_owns_its_paths(self):
        cases = [
            ('js', ['root_keys.app_key.key', 'frequency_plan_id', 'formatters'], ['frequency_plan_id', 'formatters']),
            ('ns', NS_PATHS + ['root_keys.app_key.key', 'join_server_address'], ['root_keys.app_key.key', 'join_server_address']),
            ('as', ['supports_join', 'name'], ['supports_join', 'name']),
            ('as', ['no_such_field'], ['no_such_field']),
        ]
        for component, paths, forbidden in cases:
            end_device = ns_device(root_keys={'app_key': {'key': '11' * 16}})
            detail = self.assertTTSError(self.sim.component_set(component, DEV, end_device, paths), 400, 'field_mask_paths')
            self.assertEqual(detail['attributes']['forbidden_paths'], forbidden, component)
            self.assertEqual(detail['namespace'], 'pkg/ttnpb')

    def test_is_create_rejects_other_components_fields(self):
        self.sim.reset()
        detail = self.assertTTSError(self.sim.is_create(root_keys={'app_key': {'key': '11' * 16}},
                                                        frequency_plan_id='EU_863_870_TTN'), 400, 'field_mask_paths')
        self.assertEqual(detail['attributes']['forbidden_paths'], ['frequency_plan_id', 'root_keys'])

    def test_is_update_paths(self):
        status, body = self.sim.tts('PUT', '/applications/%s/devices/%s' % (APP, DEV),
                                    {'end_device': {'ids': IDS, 'name': 'Soil sensor 01'}, 'field_mask': {'paths': ['name']}})
        self.assertEqual((status, body['name']), (200, 'Soil sensor 01'))
        self.assertTTSError(self.sim.tts('PUT', '/applications/%s/devices/%s' % (APP, DEV),
                                         {'end_device': {'ids': IDS, 'supports_join': True},
                                          'field_mask': {'paths': ['supports_join']}}), 400, 'field_mask_paths')

    def test_get_paths(self):
        self.sim.register()
        self.assertTTSError(self.sim.tts('GET', '/js/applications/%s/devices/%s?field_mask=frequency_plan_id' % (APP, DEV)),
                            400, 'field_mask_paths')
        status, body = self.sim.tts('GET', '/ns/applications/%s/devices/%s?field_mask.paths=frequency_plan_id' % (APP, DEV))
        self.assertEqual((status, body['frequency_plan_id']), (200, 'EU_863_870_TTN'))

    def test_required_fields_on_create(self):
        detail = self.assertTTSError(self.sim.component_set('ns', DEV, ns_device(), ['supports_join', 'lorawan_version']),
                                     400, 'field_value')
        self.assertEqual(detail['attributes']['field'], 'frequency_plan_id')
        self.assertEqual(detail['namespace'], 'pkg/networkserver')
        detail = self.assertTTSError(self.sim.component_set('ns', DEV, ns_device(frequency_plan_id=''), NS_PATHS),
                                     400, 'field_value')
        self.assertEqual(detail['attributes']['field'], 'frequency_plan_id')
        detail = self.assertTTSError(self.sim.component_set('ns', DEV, ns_device(supports_join=False), NS_PATHS),
                                     400, 'field_value')
        self.assertEqual(detail['attributes']['field'], 'session.dev_addr')
        ids = {'device_id': DEV}
        detail = self.assertTTSError(self.sim.component_set('ns', DEV, ns_device(ids=ids), NS_PATHS), 400, 'field_value')
        self.assertEqual(detail['attributes']['field'], 'ids.dev_eui')

    def test_join_server_needs_euis_and_a_key(self):
        key = {'app_key': {'key': '11' * 16}}
        self.assertTTSError(self.sim.component_set('js', DEV, {'ids': {'dev_eui': IDS['dev_eui']}, 'root_keys': key},
                                                   ['root_keys.app_key.key']), 400, 'no_join_eui')
        self.assertTTSError(self.sim.component_set('js', DEV, {'ids': {'join_eui': IDS['join_eui']}, 'root_keys': key},
                                                   ['root_keys.app_key.key']), 400, 'no_dev_eui')
        for keys in ({}, {'app_key': {'key': '00' * 16}}):
            detail = self.assertTTSError(self.sim.component_set('js', DEV, {'ids': IDS, 'root_keys': keys},
                                                                ['root_keys.app_key.key']), 400, 'field_value')
            self.assertEqual(detail['attributes']['field'], 'root_keys.app_key.key')
            self.assertEqual(detail['namespace'], 'pkg/joinserver')
        # LoRaWAN 1.1 keys: both may be set.
        status, body = self.sim.component_set('js', DEV, {'ids': IDS, 'root_keys': dict(key, nwk_key={'key': '22' * 16})},
                                              ['root_keys.app_key.key', 'root_keys.nwk_key.key'])
        self.assertEqual(status, 200, body)
        self.assertEqual(body['root_keys']['nwk_key']['key'], '22' * 16)

    def test_value_without_path_is_ignored(self):
        status, body = self.sim.component_set('js', DEV, {'ids': IDS, 'root_keys': {'app_key': {'key': '22' * 16}},
                                                          'net_id': '000013'}, ['root_keys.app_key.key'])
        self.assertEqual(status, 200, body)
        self.assertNotIn('net_id', self.sim.state()['tts']['js']['%s/%s' % (APP, DEV)])

    def test_is_field_rules(self):
        self.sim.reset()
        for extra, field in (({'name': 'n' * 51}, 'end_device.name'),
                             ({'description': 'd' * 2001}, 'end_device.description'),
                             ({'attributes': {'Bad Key': 'v'}}, 'end_device.attributes')):
            detail = self.assertTTSError(self.sim.is_create(**extra), 400, 'validation')
            self.assertEqual(detail['attributes']['field'], field)
        status, body = self.sim.is_create(name='n' * 50, attributes={'batch': '2611A'})
        self.assertEqual(status, 200, body)

    def test_address_with_scheme(self):
        self.sim.reset()
        detail = self.assertTTSError(self.sim.is_create(network_server_address='https://eu1.cloud.thethings.network'),
                                     400, 'validation')
        self.assertEqual(detail['attributes']['field'], 'end_device.network_server_address')


class Rights(SimTestCase):
    def test_no_key(self):
        detail = self.assertTTSError(self.sim.tts('GET', '/auth_info', key=None), 401, 'unauthenticated')
        self.assertEqual(detail['code'], 16)

    def test_wrong_key(self):
        self.assertTTSError(self.sim.tts('GET', '/auth_info', key='NNSXS.NOSUCHKEY.SECRET'), 401, 'token_not_found')
        self.assertTTSError(self.sim.is_create(key=KEY[:-1] + 'X'), 401, 'token_mismatch')
        status, body, _ = self.sim.request('GET', '/api/v3/auth_info', headers={'Authorization': 'Basic Zm9vOmJhcg=='})
        self.assertTTSError((status, body), 401, 'invalid_authorization')

    def test_set_keys_needs_write_keys(self):
        self.sim.is_create(key=KEY_NO_KEYS)
        detail = self.assertTTSError(self.sim.component_set('js', DEV, {'ids': IDS, 'root_keys': {'app_key': {'key': '11' * 16}}},
                                                            ['root_keys.app_key.key'], key=KEY_NO_KEYS),
                                     403, 'insufficient_application_rights')
        self.assertEqual(detail['attributes']['missing'], ['RIGHT_APPLICATION_DEVICES_WRITE_KEYS'])
        self.assertEqual(detail['code'], 7)
        # Without keys in the mask the same key may write.
        self.assertEqual(self.sim.component_set('as', DEV, {'ids': IDS}, [], key=KEY_NO_KEYS)[0], 200)

    def test_read_keys_needs_read_keys(self):
        self.sim.register()
        self.assertTTSError(self.sim.tts('GET', '/js/applications/%s/devices/%s?field_mask=root_keys' % (APP, DEV),
                                         key=KEY_NO_KEYS), 403, 'insufficient_application_rights')
        self.assertEqual(self.sim.tts('GET', '/js/applications/%s/devices/%s' % (APP, DEV), key=KEY_NO_KEYS)[0], 200)

    def test_read_only_cannot_write(self):
        self.assertTTSError(self.sim.is_create(key=KEY_READ_ONLY), 403, 'insufficient_application_rights')
        self.assertEqual(self.sim.tts('GET', '/applications/%s/devices' % APP, key=KEY_READ_ONLY)[0], 200)

    def test_key_of_another_application(self):
        detail = self.assertTTSError(self.sim.is_create(key=KEY_OTHER_APP), 403, 'no_application_rights')
        self.assertEqual(detail['attributes']['uid'], APP)
        self.assertTTSError(self.sim.tts('GET', '/applications/no-such-app'), 403, 'no_application_rights')

    def test_rejections_are_recorded(self):
        self.sim.is_create(key=KEY_READ_ONLY)
        rejected = self.sim.state()['rejected']
        self.assertEqual([(r['endpoint'], r['status'], r['name']) for r in rejected],
                         [('tts.is.create', 403, 'insufficient_application_rights')])

    def test_unknown_route(self):
        status, body = self.sim.tts('GET', '/nope')
        self.assertEqual((status, body['code'], body['details']), (404, 5, []))
        status, body = self.sim.tts('PATCH', '/applications/%s/devices/%s' % (APP, DEV))
        self.assertEqual((status, body['details']), (405, []))

    def test_unknown_devices(self):
        self.assertTTSError(self.sim.tts('GET', '/applications/%s/devices/%s' % (APP, DEV)), 404, 'end_device_not_found')
        self.assertTTSError(self.sim.tts('GET', '/js/applications/%s/devices/%s' % (APP, DEV)), 404, 'device_not_found')
        self.assertTTSError(self.sim.tts('GET', '/as/applications/%s/devices/%s' % (APP, DEV)), 404, 'not_found')
        self.assertTTSError(self.sim.tts('PUT', '/applications/%s/devices/%s' % (APP, DEV),
                                         {'end_device': {'name': 'x'}, 'field_mask': {'paths': ['name']}}),
                            404, 'end_device_not_found')


if __name__ == '__main__':
    unittest.main()
