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

struct buf {
	uint8_t *data; /* first byte of the area (never written through by a reader) */
	size_t cap;    /* writer: capacity; reader: == len */
	size_t len;    /* reader: bytes readable; writer: bytes written so far */
	size_t off;    /* reader: read position */
};

/* Reader over `len` bytes at `data` (the bytes are never modified). */
void buf_init_read(struct buf *b, const void *data, size_t len);
/* Writer over `cap` bytes at `data`; starts empty. */
void buf_init_write(struct buf *b, void *data, size_t cap);

/* ---- reading ---- */
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
int buf_get_u8(struct buf *b, uint8_t *v);
int buf_get_u16(struct buf *b, uint16_t *v);
int buf_get_u24(struct buf *b, uint32_t *v);
int buf_get_u32(struct buf *b, uint32_t *v);
int buf_get_u64(struct buf *b, uint64_t *v);
int buf_get_bytes(struct buf *b, void *dst, size_t n);
int buf_skip(struct buf *b, size_t n);
/* Carve the next n bytes into a reader `sub` and advance past them. */
int buf_get_sub(struct buf *b, size_t n, struct buf *sub);
/* Look without consuming. */
int buf_peek_u8(const struct buf *b, uint8_t *v);
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
