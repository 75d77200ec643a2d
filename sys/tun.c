/* SPDX-License-Identifier: ISC */
/*
 * sys/tun.c - open/read/write the data-plane TUN device (see tun.h). The vnet header the
 * kernel prepends is parsed and written by proto/pkt.c (pkt_parse_vnet_hdr,
 * pkt_build_vnet_hdr): the kernel writes it, but for a packet forwarded from a VM its offload
 * fields (gso_type, gso_size, hdr_len, csum_start/offset) are the VM's, so it is read like
 * any other untrusted byte.
 */
#include "sys/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proto/buf.h"
#include "proto/pkt.h"

static int fail(char *err, size_t errlen, int e, const char *what, const char *name)
{
	if (err && errlen)
		snprintf(err, errlen, "tun %s: %s: %s", name, what, strerror(e));
	return -e;
}

int tun_open(struct tun *t, const char *name, unsigned flags, char *err, size_t errlen)
{
	struct ifreq ifr;
	int e;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (!name || strlen(name) >= IFNAMSIZ)
		return fail(err, errlen, EINVAL, "name", name ? name : "(null)");
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, errno, "open /dev/net/tun", name);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & TUN_VNET_HDR)
		ifr.ifr_flags |= IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		return fail(err, errlen, e, "TUNSETIFF", name);
	}
	if (flags & TUN_PERSIST && ioctl(fd, TUNSETPERSIST, 1) < 0) {
		e = errno;
		close(fd);
		return fail(err, errlen, e, "TUNSETPERSIST", name);
	}
	if (flags & TUN_VNET_HDR) {
		int sz = TUN_VNET_HDR_LEN;
		if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
			e = errno;
			close(fd);
			return fail(err, errlen, e, "TUNSETVNETHDRSZ", name);
		}
		/* Ask for the most, fall back: USO needs both USO4 and USO6. */
		static const struct {
			unsigned long f;
			unsigned off;
		} tries[] = {
#ifdef TUN_F_USO4
		    {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		     TUN_OFF_CSUM | TUN_OFF_TSO | TUN_OFF_USO},
#endif
		    {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, TUN_OFF_CSUM | TUN_OFF_TSO},
		    {TUN_F_CSUM, TUN_OFF_CSUM},
		    {0, 0},
		};
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			if (ioctl(fd, TUNSETOFFLOAD, tries[i].f) == 0) {
				t->offloads = tries[i].off;
				break;
			}
		}
	}
	t->fd = fd;
	t->flags = flags;
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->name[IFNAMSIZ - 1] = '\0';
	t->ifindex = (int)if_nametoindex(t->name);
	return 0;
}

void tun_close(struct tun *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

_Static_assert(TUN_VNET_HDR_LEN == PKT_VNET_HDR_LEN, "virtio_net_hdr size");

static int parse_vnet(struct tun_pkt *p, size_t n)
{
	struct buf b;
	struct pkt_vnet v;

	buf_init_read(&b, p->data, n);
	if (pkt_parse_vnet_hdr(&b, &v))
		return -1;
	p->vnet.flags = v.flags;
	p->vnet.gso_type = v.gso_type;
	p->vnet.hdr_len = v.hdr_len;
	p->vnet.gso_size = v.gso_size;
	p->vnet.csum_start = v.csum_start;
	p->vnet.csum_offset = v.csum_offset;
	p->off = buf_offset(&b);
	p->len = buf_left(&b);
	return 0;
}

int tun_read_batch(struct tun *t, struct tun_pkt *pkts, int n)
{
	int got = 0;

	while (got < n) {
		struct tun_pkt *p = &pkts[got];
		ssize_t r = read(t->fd, p->data, p->cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return got ? got : -errno;
		}
		memset(&p->vnet, 0, sizeof(p->vnet));
		p->off = 0;
		p->len = (size_t)r;
		if (t->flags & TUN_VNET_HDR) {
			if (parse_vnet(p, (size_t)r))
				continue; /* runt: drop */
		}
		got++;
	}
	return got;
}

int tun_write(struct tun *t, const void *pkt, size_t len)
{
	static const uint8_t zero_hdr[TUN_VNET_HDR_LEN];
	struct iovec iov[2];
	int n = 0;
	ssize_t w;

	if (t->flags & TUN_VNET_HDR) {
		iov[n].iov_base = (void *)(uintptr_t)zero_hdr;
		iov[n++].iov_len = sizeof(zero_hdr);
	}
	iov[n].iov_base = (void *)(uintptr_t)pkt;
	iov[n++].iov_len = len;
	do {
		w = writev(t->fd, iov, n);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return 0;
}

int tun_write_vnet(struct tun *t, const struct tun_vnet *v, const void *pkt, size_t len)
{
	uint8_t h[TUN_VNET_HDR_LEN];
	struct pkt_vnet pv = {.flags = v->flags,
			      .gso_type = v->gso_type,
			      .hdr_len = v->hdr_len,
			      .gso_size = v->gso_size,
			      .csum_start = v->csum_start,
			      .csum_offset = v->csum_offset};
	struct buf hb;
	struct iovec iov[2];
	ssize_t w;

	if (!(t->flags & TUN_VNET_HDR))
		return -EINVAL;
	buf_init_write(&hb, h, sizeof(h));
	if (pkt_build_vnet_hdr(&hb, &pv))
		return -EINVAL;
	iov[0].iov_base = h;
	iov[0].iov_len = buf_len(&hb);
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	do {
		w = writev(t->fd, iov, 2);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return 0;
}
