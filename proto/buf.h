/* SPDX-License-Identifier: ISC */
/*
 * proto/buf.h - the one bounded reader/writer for every wire format in the suite.
 *
 * A struct buf is either a reader (a view of bytes someone else owns, read from `off`
 * up to `len`) or a writer (a fixed-capacity area filled from `len` up to `cap`).
 * Every accessor checks bounds and returns 0 on success or -1 when the data is short
 * (reader) or the area is full (writer); nothing here can read or write out of bounds.
 * Integers are network byte order on the wire. Parsers carve a sub-view for each
 * record, locator or LCAF (buf_get_sub) so an inner parser cannot run past its length.
 * Modelled on OpenBGPD's struct ibuf (docs/architecture.md "Parsing untrusted bytes").
 */
#ifndef PROTO_BUF_H
#define PROTO_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t *data; /* first byte of the area (never written through by a reader) */
	size_t cap;    /* writer: capacity; reader: == len */
	size_t len;    /* reader: bytes readable; writer: bytes written so far */
	size_t off;    /* reader: read position */
};

/* Reader over `len` bytes at `data` (the bytes are never modified). */
static inline void buf_init_read(struct buf *b, const void *data, size_t len)
{
	b->data = (uint8_t *)(uintptr_t)data;
	b->cap = len;
	b->len = len;
	b->off = 0;
}
/* Writer over `cap` bytes at `data`; starts empty. */
void buf_init_write(struct buf *b, void *data, size_t cap);

/* ---- reading ----
 * The readers every parser calls per field are inline (the data plane parses each packet
 * with them); the rest are in buf.c. */
static inline size_t buf_left(const struct buf *b)
{
	return b->len - b->off;
}
static inline size_t buf_offset(const struct buf *b)
{
	return b->off;
}
/* Pointer to the next unread byte; valid for buf_left() bytes. For handing a bounded
 * region to a hash or a copy, never for casting to a struct. */
static inline const uint8_t *buf_cur(const struct buf *b)
{
	return b->data + b->off;
}
static inline int buf_get_u8(struct buf *b, uint8_t *v)
{
	if (buf_left(b) < 1)
		return -1;
	*v = b->data[b->off++];
	return 0;
}
static inline int buf_get_u16(struct buf *b, uint16_t *v)
{
	if (buf_left(b) < 2)
		return -1;
	const uint8_t *p = b->data + b->off;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	b->off += 2;
	return 0;
}
int buf_get_u24(struct buf *b, uint32_t *v);
static inline int buf_get_u32(struct buf *b, uint32_t *v)
{
	if (buf_left(b) < 4)
		return -1;
	const uint8_t *p = b->data + b->off;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	b->off += 4;
	return 0;
}
int buf_get_u64(struct buf *b, uint64_t *v);
static inline int buf_get_bytes(struct buf *b, void *dst, size_t n)
{
	if (n > buf_left(b))
		return -1;
	if (n)
		memcpy(dst, b->data + b->off, n);
	b->off += n;
	return 0;
}
static inline int buf_skip(struct buf *b, size_t n)
{
	if (n > buf_left(b))
		return -1;
	b->off += n;
	return 0;
}
/* Carve the next n bytes into a reader `sub` and advance past them (when they are not
 * there, `sub` is an empty reader). */
static inline int buf_get_sub(struct buf *b, size_t n, struct buf *sub)
{
	if (n > buf_left(b)) {
		buf_init_read(sub, b->data + b->off, 0);
		return -1;
	}
	buf_init_read(sub, b->data + b->off, n);
	b->off += n;
	return 0;
}
/* Look without consuming. */
static inline int buf_peek_u8(const struct buf *b, uint8_t *v)
{
	if (buf_left(b) < 1)
		return -1;
	*v = b->data[b->off];
	return 0;
}
int buf_peek_u16(const struct buf *b, uint16_t *v);
/* Rewind/seek a reader to an absolute offset <= len. */
int buf_seek(struct buf *b, size_t off);

/* ---- writing ---- */
static inline size_t buf_len(const struct buf *b)
{
	return b->len;
}
static inline size_t buf_room(const struct buf *b)
{
	return b->cap - b->len;
}
int buf_add_u8(struct buf *b, uint8_t v);
int buf_add_u16(struct buf *b, uint16_t v);
int buf_add_u24(struct buf *b, uint32_t v);
int buf_add_u32(struct buf *b, uint32_t v);
int buf_add_u64(struct buf *b, uint64_t v);
int buf_add_bytes(struct buf *b, const void *src, size_t n);
int buf_add_zero(struct buf *b, size_t n);
/* Reserve n bytes (zeroed) and return their offset in *off, to back-patch later. */
int buf_reserve(struct buf *b, size_t n, size_t *off);
/* Back-patch already written bytes at absolute offset `off`. */
int buf_set_u8(struct buf *b, size_t off, uint8_t v);
int buf_set_u16(struct buf *b, size_t off, uint16_t v);
int buf_set_u32(struct buf *b, size_t off, uint32_t v);
int buf_set_bytes(struct buf *b, size_t off, const void *src, size_t n);
/* A reader over what a writer has written so far. */
void buf_as_reader(const struct buf *w, struct buf *r);

#endif
