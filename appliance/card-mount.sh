#!/bin/sh
# Mounts or unmounts a camera card partition read-only under /media/cards/<label-or-device>.
# Called by interpositive-card@.service; never writes to the card.
set -eu
action=$1
dev=/dev/$2
label=$(blkid -o value -s LABEL "$dev" 2>/dev/null || true)
name=$(printf '%s' "${label:-$2}" | tr -c 'A-Za-z0-9._-' '_')
target=/media/cards/$name
case "$action" in
  mount)
    mkdir -p "$target"
    mount -o ro,nosuid,nodev,noexec "$dev" "$target"
    ;;
  unmount)
    umount "$target" 2>/dev/null || umount -l "$target"
    rmdir "$target" 2>/dev/null || true
    ;;
  *) echo "usage: $0 mount|unmount DEVICE" >&2; exit 2 ;;
esac
