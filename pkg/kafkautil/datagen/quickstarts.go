package datagen

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// The quickstart generators follow ksql-datagen's schemas (orders_schema.avro,
// pageviews_schema.avro and users_schema.avro in confluentinc/ksql, and the
// orders address struct of kafka-connect-datagen): the same field names, types,
// value ranges and key fields, with timestamps taken from the clock rather than
// drawn from a fixed range in 2017, so windows over event time line up with
// the wall clock.

func init() {
	Register("orders", NewOrders)
	Register("pageviews", NewPageviews)
	Register("users", NewUsers)
}

// newRand returns the generator's random source for a seed. PCG takes two
// words; the second is a fixed odd constant so that seeds 0 and 1 differ.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// appendIndexed appends prefix followed by a number from 1 to n.
func appendIndexed(b []byte, prefix string, r *rand.Rand, n int) []byte {
	b = append(b, prefix...)
	return strconv.AppendInt(b, int64(1+r.IntN(n)), 10)
}

// appendNonZeroDigits appends prefix and then one or two digits from 1 to 9,
// as the quickstart's regex "City_[1-9]{0,2}" does (without the empty case,
// which only makes a confusing "City_").
func appendNonZeroDigits(b []byte, prefix string, r *rand.Rand) []byte {
	b = append(b, prefix...)
	n := 1 + r.IntN(2)
	for range n {
		b = append(b, byte('1'+r.IntN(9)))
	}
	return b
}

// Orders generates the orders quickstart:
//
//	key:   "42" (the orderid)
//	value: {"ordertime":1700000000000,"orderid":42,"itemid":"Item_185",
//	        "orderunits":4.371,"address":{"city":"City_64","state":"State_2","zipcode":77112}}
//
// orderid counts up from 0; itemid is Item_1..Item_999; orderunits is a double
// in [0.1, 10); zipcode is 10000..99999; ordertime is the clock in
// milliseconds.
type Orders struct {
	rand  *rand.Rand
	clock func() time.Time
	next  int64
}

// NewOrders returns an orders generator.
func NewOrders(opts Options) (Generator, error) {
	return &Orders{rand: newRand(opts.Seed), clock: opts.now()}, nil
}

// Name implements Generator.
func (g *Orders) Name() string { return "orders" }

// Next implements Generator.
func (g *Orders) Next() (key, value []byte, ts time.Time) {
	ts = g.clock()
	id := g.next
	g.next++
	r := g.rand
	b := make([]byte, 0, 192)
	b = append(b, `{"ordertime":`...)
	b = strconv.AppendInt(b, ts.UnixMilli(), 10)
	b = append(b, `,"orderid":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"itemid":"`...)
	b = appendIndexed(b, "Item_", r, 999)
	b = append(b, `","orderunits":`...)
	b = strconv.AppendFloat(b, 0.1+r.Float64()*9.9, 'f', -1, 64)
	b = append(b, `,"address":{"city":"`...)
	b = appendNonZeroDigits(b, "City_", r)
	b = append(b, `","state":"`...)
	b = appendNonZeroDigits(b, "State_", r)
	b = append(b, `","zipcode":`...)
	b = strconv.AppendInt(b, int64(10000+r.IntN(90000)), 10)
	b = append(b, `}}`...)
	return strconv.AppendInt(nil, id, 10), b, ts
}

// Pageviews generates the pageviews quickstart:
//
//	key:   "1700000000000" (the viewtime, as ksql-datagen keys it)
//	value: {"viewtime":1700000000000,"userid":"User_3","pageid":"Page_27"}
//
// userid is User_1..User_9 and pageid Page_1..Page_99, as the quickstart's
// regexes give; viewtime is the clock in milliseconds.
type Pageviews struct {
	rand  *rand.Rand
	clock func() time.Time
}

// NewPageviews returns a pageviews generator.
func NewPageviews(opts Options) (Generator, error) {
	return &Pageviews{rand: newRand(opts.Seed), clock: opts.now()}, nil
}

// Name implements Generator.
func (g *Pageviews) Name() string { return "pageviews" }

// Next implements Generator.
func (g *Pageviews) Next() (key, value []byte, ts time.Time) {
	ts = g.clock()
	ms := ts.UnixMilli()
	b := make([]byte, 0, 192)
	b = append(b, `{"viewtime":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"userid":"`...)
	b = appendIndexed(b, "User_", g.rand, 9)
	b = append(b, `","pageid":"`...)
	b = appendIndexed(b, "Page_", g.rand, 99)
	b = append(b, `"}`...)
	return strconv.AppendInt(nil, ms, 10), b, ts
}

// Users generates the users quickstart, a changelog of user profiles (read it
// as a table: the latest record per key wins):
//
//	key:   "User_5"
//	value: {"registertime":1690000000000,"userid":"User_5","regionid":"Region_2","gender":"FEMALE"}
//
// userid is User_1..User_9, regionid Region_1..Region_9, gender MALE, FEMALE or
// OTHER; registertime is up to a year before the clock, in milliseconds.
type Users struct {
	rand  *rand.Rand
	clock func() time.Time
}

// NewUsers returns a users generator.
func NewUsers(opts Options) (Generator, error) {
	return &Users{rand: newRand(opts.Seed), clock: opts.now()}, nil
}

// Name implements Generator.
func (g *Users) Name() string { return "users" }

var genders = [...]string{"MALE", "FEMALE", "OTHER"}

const year = 365 * 24 * time.Hour

// Next implements Generator.
func (g *Users) Next() (key, value []byte, ts time.Time) {
	ts = g.clock()
	r := g.rand
	registered := ts.Add(-time.Duration(r.Int64N(int64(year/time.Millisecond))) * time.Millisecond)
	key = appendIndexed(nil, "User_", r, 9)
	b := make([]byte, 0, 192)
	b = append(b, `{"registertime":`...)
	b = strconv.AppendInt(b, registered.UnixMilli(), 10)
	b = append(b, `,"userid":"`...)
	b = append(b, key...)
	b = append(b, `","regionid":"`...)
	b = appendIndexed(b, "Region_", r, 9)
	b = append(b, `","gender":"`...)
	b = append(b, genders[r.IntN(len(genders))]...)
	b = append(b, `"}`...)
	return key, b, ts
}
