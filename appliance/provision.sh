#!/usr/bin/env bash
# Provisions a Debian 12 edge box as an InterPositive Edge appliance.
# Usage (as root, from an unpacked release built by deploy/publish.sh):
#   ./appliance/provision.sh /path/to/publish/linux-x64
set -euo pipefail
src=${1:?usage: provision.sh PUBLISH_FOLDER}
here=$(cd "$(dirname "$0")" && pwd)

apt-get update -qq
apt-get install -y --no-install-recommends ffmpeg xxhash mosquitto-clients i2c-tools udev

id interpositive >/dev/null 2>&1 || useradd --system --home /var/lib/interpositive --shell /usr/sbin/nologin interpositive
getent group i2c >/dev/null || groupadd --system i2c
usermod -aG disk,plugdev,i2c,video interpositive || true

install -d -m 0755 /opt/interpositive /opt/interpositive/appliance /etc/interpositive /media/cards /mnt/destinations
install -d -m 0750 -o interpositive -g interpositive /var/lib/interpositive
cp -a "$src"/. /opt/interpositive/
install -m 0755 "$here/card-mount.sh" /opt/interpositive/appliance/card-mount.sh
[ -f /etc/interpositive/interpositive.json ] || install -m 0640 -g interpositive "$here/interpositive.json" /etc/interpositive/interpositive.json

install -m 0644 "$here/systemd/interpositive.service" /etc/systemd/system/interpositive.service
install -m 0644 "$here/systemd/interpositive-card@.service" /etc/systemd/system/interpositive-card@.service
install -m 0644 "$here/udev/99-interpositive-cards.rules" /etc/udev/rules.d/99-interpositive-cards.rules
install -m 0644 "$here/sysctl/90-interpositive.conf" /etc/sysctl.d/90-interpositive.conf
sysctl --system >/dev/null

udevadm control --reload-rules
systemctl daemon-reload
systemctl enable --now interpositive.service
echo "InterPositive Edge installed. The API token and a one-time dashboard sign-in link are printed once in: journalctl -u interpositive"
