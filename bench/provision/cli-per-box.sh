#!/bin/bash
# One onboarder-cli process per box against the simulator at L = 50 ms:
# prints each process's wall time in ms (start to exit, scan to verified
# plus the process's own start-up). The first process of the station also
# fetches the template's metafield list; later ones find it in the data
# folder. Every process fetches its own OAuth2 token.
#
# usage: bench/provision/cli-per-box.sh _build/src/cli/onboarder-cli [BOXES]
set -u
CLI=$1; N=${2:-8}
SIMULATOR=$(dirname "$0")/../../simulator/onboarder-simulator
D=$(mktemp -d /tmp/onb-cli-per-box-XXXXXX)
"$SIMULATOR" --port 0 --admin-port 0 --redirect-port 0 --port-file $D/ports \
  --faults '{"endpoints":{"*":{"latency_ms":50}}}' --exit-with-parent >/dev/null 2>&1 &
SIM=$!
for i in $(seq 50); do [ -s $D/ports ] && grep -q REDIRECT $D/ports && break; sleep 0.1; done
. $D/ports
URL=http://127.0.0.1:$PORT
cat > $D/onboarder.conf <<CONF
[blynk]
server=$URL
client_id=oa2-client-id_SimulatorKiosk
client_secret=SimulatorClientSecret0000000001
template_id=TMPL4pXgRt1Kz
owner_id=12345
[tts]
identity_server=$URL
join_server=$URL
network_server=$URL
application_server=$URL
application_id=warehouse-sensors
api_key=NNSXS.SIMFULLRIGHTSKEY00000000.SIMULATORSECRETFULLRIGHTS0000000000000000000000000001
frequency_plan=EU_863_870_TTN
lorawan_version=MAC_V1_0_3
phy_version=PHY_V1_0_3_REV_A
class_b=false
class_c=false
[labels]
profile_ids=000AF8BE
[kiosk]
pin=1234
data_dir=$D/data
CONF
chmod 600 $D/onboarder.conf
{ echo "Device EUI,Join EUI,Application Key"; for i in $(seq $N); do printf "0018B2%010X,70B3D57ED0000010,%032X\n" $((0x700+i)) $i; done; } > $D/devices.csv
$CLI import -c $D/onboarder.conf $D/devices.csv >/dev/null || exit 1
for i in $(seq $N); do
  code=$(printf "LW:D0:70B3D57ED0000010:0018B2%010X:000AF8BE" $((0x700+i)))
  t0=$(date +%s%N)
  echo "$code" | $CLI provision -c $D/onboarder.conf --stdin >/dev/null 2>&1 || echo "box $i failed"
  t1=$(date +%s%N)
  echo "$(( (t1-t0)/1000000 ))"
done
kill $SIM
rm -rf $D
