/* SPDX-License-Identifier: ISC */
/*
 * proto/buf.c - bounded reader/writer (see buf.h; the per-field readers are inline there).
 * Every function checks the length
 * before touching memory; integer overflow in `off + n` is impossible because n is
 * compared against what is left, never added to a position first.
 */
#include "proto/buf.h"

#include <string.h>

void buf_init_write(struct buf *b, void *data, size_t cap)
{
	b->data = data;
	b->cap = cap;
	b->len = 0;
	b->off = 0;
}

int buf_get_u24(struct buf *b, uint32_t *v)
{
	if (buf_left(b) < 3)
		return -1;
	const uint8_t *p = b->data + b->off;
	*v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
	b->off += 3;
	return 0;
}

int buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t hi = 0, lo = 0;
	if (buf_left(b) < 8 || buf_get_u32(b, &hi) || buf_get_u32(b, &lo))
		return -1;
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int buf_peek_u16(const struct buf *b, uint16_t *v)
{
	struct buf c = *b;
	return buf_get_u16(&c, v);
}

int buf_seek(struct buf *b, size_t off)
{
	if (off > b->len)
		return -1;
	b->off = off;
	return 0;
}

int buf_add_bytes(struct buf *b, const void *src, size_t n)
{
	if (n > buf_room(b))
		return -1;
	if (n)
		memcpy(b->data + b->len, src, n);
	b->len += n;
	return 0;
}

int buf_add_zero(struct buf *b, size_t n)
{
	if (n > buf_room(b))
		return -1;
	memset(b->data + b->len, 0, n);
	b->len += n;
	return 0;
}

int buf_add_u8(struct buf *b, uint8_t v)
{
	return buf_add_bytes(b, &v, 1);
}

int buf_add_u16(struct buf *b, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return buf_add_bytes(b, p, 2);
}

int buf_add_u24(struct buf *b, uint32_t v)
{
	uint8_t p[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	if (v > 0xffffff)
		return -1;
	return buf_add_bytes(b, p, 3);
}

int buf_add_u32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return buf_add_bytes(b, p, 4);
}

int buf_add_u64(struct buf *b, uint64_t v)
{
	if (buf_room(b) < 8)
		return -1;
	buf_add_u32(b, (uint32_t)(v >> 32));
	return buf_add_u32(b, (uint32_t)v);
}

int buf_reserve(struct buf *b, size_t n, size_t *off)
{
	size_t at = b->len;
	if (buf_add_zero(b, n) == -1)
		return -1;
	if (off)
		*off = at;
	return 0;
}

int buf_set_bytes(struct buf *b, size_t off, const void *src, size_t n)
{
	if (off > b->len || n > b->len - off)
		return -1;
	if (n)
		memcpy(b->data + off, src, n);
	return 0;
}

int buf_set_u8(struct buf *b, size_t off, uint8_t v)
{
	return buf_set_bytes(b, off, &v, 1);
}

int buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return buf_set_bytes(b, off, p, 2);
}

int buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return buf_set_bytes(b, off, p, 4);
}

void buf_as_reader(const struct buf *w, struct buf *r)
{
	buf_init_read(r, w->data, w->len);
}
