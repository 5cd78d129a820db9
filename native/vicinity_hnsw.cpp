// A plain C API over hnswlib for WebAssembly: no embind, no C++ exception
// crosses into JavaScript, labels are uint32, buffers are the caller's.
// Every function that can fail returns a negative code (or NULL) and leaves
// the reason in vh_last_error().
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

// hnswlib's warnings go nowhere: the library writes no console output. A
// sink of its own rather than an std::ostream on a null buffer, which would
// link libc++'s streams and locales into the module for two warnings.
namespace {
struct NullSink {
  template <typename T>
  const NullSink& operator<<(const T&) const {
    return *this;
  }
};
}  // namespace
#define HNSWLIB_ERR_OVERRIDE NullSink{}
// Nor does it read or write files: bytes go through buffers (see vicinity.patch).
#define HNSWLIB_NO_FILES
#include "hnswlib/hnswlib.h"
#include "int8_space.h"

namespace {

using Index = hnswlib::HierarchicalNSW<float>;
using hnswlib::labeltype;
using hnswlib::linklistsizeint;
using hnswlib::tableint;

// hnswlib's types and fields as this file reads and writes them directly,
// and as src/native/nativeLayout.ts reads the saved bytes: hnswlib's
// saveIndex layout on wasm32, the one hnswlib-wasm writes too. A build
// that changed any of them would save and load another layout, so it
// stops here instead.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the layout is little-endian");
static_assert(sizeof(void*) == 4 && sizeof(size_t) == 4, "wasm32: 4-byte pointers and size_t");
static_assert(std::is_same<tableint, uint32_t>::value, "links and internal ids are uint32");
static_assert(std::is_same<linklistsizeint, uint32_t>::value, "a link list starts with a uint32 count");
static_assert(std::is_unsigned<labeltype>::value && sizeof(labeltype) == sizeof(uint32_t),
              "labels are this API's uint32, stored in 4 bytes");
static_assert(sizeof(unsigned int) == 4, "an element's upper link lists are preceded by a 4-byte size");
static_assert(sizeof(float) == 4 && sizeof(double) == 8, "vectors are float32, the level multiplier a double");

template <typename Field, typename Type>
constexpr bool is_a = std::is_same<Field, Type>::value;

// The header, field by field in the order write_header writes them.
static_assert(is_a<decltype(Index::offsetLevel0_), size_t> && is_a<decltype(Index::max_elements_), size_t> &&
                  is_a<decltype(Index::size_data_per_element_), size_t> &&
                  is_a<decltype(Index::label_offset_), size_t> && is_a<decltype(Index::offsetData_), size_t>,
              "header: offsets and sizes are size_t");
static_assert(is_a<decltype(Index::maxlevel_), int>, "header: the top level is a signed int (-1 when empty)");
static_assert(is_a<decltype(Index::enterpoint_node_), tableint>, "header: the entry point is an internal id");
static_assert(is_a<decltype(Index::maxM_), size_t> && is_a<decltype(Index::maxM0_), size_t> &&
                  is_a<decltype(Index::M_), size_t> && is_a<decltype(Index::ef_construction_), size_t>,
              "header: link widths and efConstruction are size_t");
static_assert(is_a<decltype(Index::mult_), double>, "header: the level multiplier is a double");

// The element storage read_index and the cursors allocate and fill.
static_assert(is_a<decltype(Index::data_level0_memory_), char*>, "level 0: one malloc'd block of records");
static_assert(is_a<decltype(Index::linkLists_), char**>, "upper levels: one malloc'd block per element");
static_assert(is_a<decltype(Index::element_levels_), std::vector<int>>, "levels: one int per element");
static_assert(is_a<decltype(Index::size_links_per_element_), size_t> &&
                  is_a<decltype(Index::size_links_level0_), size_t> && is_a<decltype(Index::data_size_), size_t>,
              "link list and vector sizes are size_t");

enum Metric { METRIC_L2 = 0, METRIC_IP = 1, METRIC_COSINE = 2 };
enum Quantization { QUANT_NONE = 0, QUANT_INT8 = 1 };

std::string last_error;

struct Handle {
  int metric;
  size_t dim;
  int quantization;
  hnswlib::SpaceInterface<float>* space;
  Index* index = nullptr;
  std::vector<float> scratch = std::vector<float>(dim);  // a normalised copy for cosine
  std::vector<uint8_t> codes = std::vector<uint8_t>(quantization == QUANT_INT8 ? vicinity::int8_data_size(dim) : 0);

  // The element data hnswlib stores and compares: the vector (normalised for
  // cosine), then quantised for int8.
  const void* prepare(const float* v) {
    const float* u = v;
    if (metric == METRIC_COSINE) {
      float norm = 0;
      for (size_t i = 0; i < dim; i++) norm += v[i] * v[i];
      norm = 1.0f / (std::sqrt(norm) + 1e-30f);
      for (size_t i = 0; i < dim; i++) scratch[i] = v[i] * norm;
      u = scratch.data();
    }
    if (quantization != QUANT_INT8) return u;
    vicinity::int8_encode(u, dim, codes.data());
    return codes.data();
  }

  ~Handle() {
    delete index;
    delete space;
  }
};

hnswlib::SpaceInterface<float>* make_space(int metric, size_t dim, int quantization) {
  if (quantization == QUANT_INT8)
    return new vicinity::Int8Space(metric == METRIC_L2 ? vicinity::INT8_L2 : vicinity::INT8_DOT, dim);
  if (metric == METRIC_L2) return new hnswlib::L2Space(dim);
  return new hnswlib::InnerProductSpace(dim);
}

// The filter of a search is a JavaScript predicate over labels, asked for
// each candidate inside the graph walk.
EM_JS(int, vh_js_accept, (uint32_t label), { return Module["acceptLabel"](label) ? 1 : 0; });

struct JsFilter : hnswlib::BaseFilterFunctor {
  bool operator()(labeltype label) override { return vh_js_accept(static_cast<uint32_t>(label)) != 0; }
};

template <typename F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    last_error = "out of memory";
    return -2;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  } catch (...) {
    last_error = "unknown failure";
    return -1;
  }
}

// hnswlib's file layout, written to and read from memory.
struct Writer {
  uint8_t* out;
  size_t at = 0;
  template <typename T>
  void pod(const T& v) { bytes(&v, sizeof(T)); }
  void bytes(const void* p, size_t n) {
    if (out) std::memcpy(out + at, p, n);
    at += n;
  }
};

size_t write_index(const Index& ix, uint8_t* out) {
  Writer w{out};
  w.pod(ix.offsetLevel0_);
  w.pod(ix.max_elements_);
  size_t count = ix.cur_element_count;
  w.pod(count);
  w.pod(ix.size_data_per_element_);
  w.pod(ix.label_offset_);
  w.pod(ix.offsetData_);
  w.pod(ix.maxlevel_);
  w.pod(ix.enterpoint_node_);
  w.pod(ix.maxM_);
  w.pod(ix.maxM0_);
  w.pod(ix.M_);
  w.pod(ix.mult_);
  w.pod(ix.ef_construction_);
  w.bytes(ix.data_level0_memory_, count * ix.size_data_per_element_);
  for (size_t i = 0; i < count; i++) {
    unsigned int size = ix.element_levels_[i] > 0 ? ix.size_links_per_element_ * ix.element_levels_[i] : 0;
    w.pod(size);
    if (size) w.bytes(ix.linkLists_[i], size);
  }
  return w.at;
}

struct Reader {
  const uint8_t* in;
  size_t len;
  size_t at = 0;
  template <typename T>
  void pod(T& v) { bytes(&v, sizeof(T)); }
  void bytes(void* p, size_t n) {
    if (n > len - at) throw std::runtime_error("index bytes end early");
    std::memcpy(p, in + at, n);
    at += n;
  }
};

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

// Reads hnswlib's layout with every size and link checked against the
// bytes at hand, so that a malformed blob fails instead of reading astray.
Index* read_index(hnswlib::SpaceInterface<float>* space, const uint8_t* bytes, size_t len, size_t capacity) {
  Reader r{bytes, len};
  Index* ix = new Index(space);
  try {
    size_t count;
    r.pod(ix->offsetLevel0_);
    r.pod(ix->max_elements_);
    r.pod(count);
    r.pod(ix->size_data_per_element_);
    r.pod(ix->label_offset_);
    r.pod(ix->offsetData_);
    r.pod(ix->maxlevel_);
    r.pod(ix->enterpoint_node_);
    r.pod(ix->maxM_);
    r.pod(ix->maxM0_);
    r.pod(ix->M_);
    r.pod(ix->mult_);
    r.pod(ix->ef_construction_);

    const size_t data_size = space->get_data_size();
    const size_t links0 = ix->maxM0_ * sizeof(tableint) + sizeof(linklistsizeint);
    check(ix->M_ >= 2 && ix->M_ <= 10000, "M out of range");
    check(ix->maxM_ == ix->M_ && ix->maxM0_ == 2 * ix->M_, "link widths do not match M");
    check(ix->offsetLevel0_ == 0 && ix->offsetData_ == links0, "unknown level-0 layout");
    check(ix->label_offset_ == links0 + data_size, "vector size does not match the dimensions");
    check(ix->size_data_per_element_ == links0 + data_size + sizeof(labeltype), "element size mismatch");
    check(count <= ix->max_elements_ && count < (1u << 31), "element count out of range");
    check(std::isfinite(ix->mult_) && ix->mult_ > 0, "level multiplier invalid");
    check(count == 0 ? ix->maxlevel_ == -1 || ix->maxlevel_ == 0 : ix->maxlevel_ >= 0 && ix->maxlevel_ < 64,
          "top level out of range");
    check(count == 0 || ix->enterpoint_node_ < count, "entry point out of range");
    check(count <= (len - r.at) / ix->size_data_per_element_, "index bytes end early");

    const size_t max_elements = std::max(capacity, count);
    ix->max_elements_ = max_elements;
    ix->data_size_ = data_size;
    ix->fstdistfunc_ = space->get_dist_func();
    ix->dist_func_param_ = space->get_dist_func_param();
    ix->size_links_per_element_ = ix->maxM_ * sizeof(tableint) + sizeof(linklistsizeint);
    ix->size_links_level0_ = links0;
    ix->revSize_ = 1.0 / ix->mult_;
    ix->ef_ = 10;
    ix->allow_replace_deleted_ = true;

    ix->data_level0_memory_ = static_cast<char*>(malloc(max_elements * ix->size_data_per_element_));
    ix->linkLists_ = static_cast<char**>(calloc(max_elements, sizeof(void*)));
    if (!ix->data_level0_memory_ || !ix->linkLists_) throw std::bad_alloc();
    r.bytes(ix->data_level0_memory_, count * ix->size_data_per_element_);
    ix->cur_element_count = count;
    std::vector<std::mutex>(max_elements).swap(ix->link_list_locks_);
    std::vector<std::mutex>(Index::MAX_LABEL_OPERATION_LOCKS).swap(ix->label_op_locks_);
    ix->visited_list_pool_.reset(new hnswlib::VisitedListPool(1, max_elements));
    ix->element_levels_ = std::vector<int>(max_elements);

    for (size_t i = 0; i < count; i++) {
      unsigned int size;
      r.pod(size);
      check(size % ix->size_links_per_element_ == 0, "link list size is not a whole number of levels");
      const size_t levels = size / ix->size_links_per_element_;
      check(levels <= static_cast<size_t>(ix->maxlevel_), "element above the top level");
      ix->element_levels_[i] = static_cast<int>(levels);
      if (size) {
        ix->linkLists_[i] = static_cast<char*>(malloc(size));
        if (!ix->linkLists_[i]) throw std::bad_alloc();
        r.bytes(ix->linkLists_[i], size);
      }
      const labeltype label = ix->getExternalLabel(static_cast<tableint>(i));
      check(ix->label_lookup_.emplace(label, static_cast<tableint>(i)).second, "a label appears twice");
    }
    check(r.at == len, "bytes left over after the index");

    // Every link must point at an element that exists.
    for (size_t i = 0; i < count; i++) {
      for (int level = 0; level <= ix->element_levels_[i]; level++) {
        linklistsizeint* list = ix->get_linklist_at_level(static_cast<tableint>(i), level);
        const size_t n = ix->getListCount(list);
        check(n <= (level == 0 ? ix->maxM0_ : ix->maxM_), "too many links");
        const tableint* links = reinterpret_cast<const tableint*>(list + 1);
        for (size_t j = 0; j < n; j++) check(links[j] < count, "link to a missing element");
      }
      if (ix->isMarkedDeleted(static_cast<tableint>(i))) {
        ix->num_deleted_ += 1;
        ix->deleted_elements.insert(static_cast<tableint>(i));
      }
    }
    if (count > 0) check(ix->element_levels_[ix->enterpoint_node_] == ix->maxlevel_, "entry point is not on top");
    return ix;
  } catch (...) {
    delete ix;
    throw;
  }
}

const uint8_t* element_data(Index& ix, labeltype label) {
  auto found = ix.label_lookup_.find(label);
  if (found == ix.label_lookup_.end() || ix.isMarkedDeleted(found->second)) throw std::runtime_error("Label not found");
  return reinterpret_cast<const uint8_t*>(ix.getDataByInternalId(found->second));
}

// Writes up to k results, closest first; returns how many.
int search_one(Handle* h, const float* query, uint32_t k, int filtered, uint32_t* labels, float* distances) {
  return guarded([&] {
    JsFilter filter;
    auto result = h->index->searchKnn(h->prepare(query), k, filtered ? &filter : nullptr);
    int n = static_cast<int>(result.size());
    for (int i = n - 1; i >= 0; i--) {
      labels[i] = static_cast<uint32_t>(result.top().second);
      distances[i] = result.top().first;
      result.pop();
    }
    return n;
  });
}

bool valid_quantization(int quantization) {
  if (quantization == QUANT_NONE || quantization == QUANT_INT8) return true;
  last_error = "unknown quantization";
  return false;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* vh_last_error() { return last_error.c_str(); }

// quantization: QUANT_NONE (float32) or QUANT_INT8 (int8_space.h).
EMSCRIPTEN_KEEPALIVE Handle* vh_create(int metric, uint32_t dim, uint32_t M, uint32_t ef_construction,
                                       uint32_t capacity, uint32_t seed, int quantization) {
  if (!valid_quantization(quantization)) return nullptr;
  Handle* h = nullptr;
  int rc = guarded([&] {
    h = new Handle{metric, dim, quantization, make_space(metric, dim, quantization)};
    h->index = new Index(h->space, capacity, M, ef_construction, seed, true);
    return 0;
  });
  if (rc < 0) {
    delete h;
    return nullptr;
  }
  return h;
}

EMSCRIPTEN_KEEPALIVE Handle* vh_load(int metric, uint32_t dim, const uint8_t* bytes, uint32_t len,
                                     uint32_t capacity, int quantization) {
  if (!valid_quantization(quantization)) return nullptr;
  Handle* h = nullptr;
  int rc = guarded([&] {
    h = new Handle{metric, dim, quantization, make_space(metric, dim, quantization)};
    h->index = read_index(h->space, bytes, len, capacity);
    return 0;
  });
  if (rc < 0) {
    delete h;
    return nullptr;
  }
  return h;
}

EMSCRIPTEN_KEEPALIVE void vh_free(Handle* h) { delete h; }

EMSCRIPTEN_KEEPALIVE uint32_t vh_count(Handle* h) { return static_cast<uint32_t>(h->index->cur_element_count); }

EMSCRIPTEN_KEEPALIVE uint32_t vh_capacity(Handle* h) { return static_cast<uint32_t>(h->index->max_elements_); }

EMSCRIPTEN_KEEPALIVE int vh_resize(Handle* h, uint32_t capacity) {
  return guarded([&] {
    h->index->resizeIndex(capacity);
    return 0;
  });
}

EMSCRIPTEN_KEEPALIVE int vh_add(Handle* h, const float* vector, uint32_t label, int reuse_deleted) {
  return guarded([&] {
    h->index->addPoint(h->prepare(vector), label, reuse_deleted != 0);
    return 0;
  });
}

EMSCRIPTEN_KEEPALIVE int vh_mark_deleted(Handle* h, uint32_t label) {
  return guarded([&] {
    h->index->markDelete(label);
    return 0;
  });
}

EMSCRIPTEN_KEEPALIVE void vh_set_ef(Handle* h, uint32_t ef) { h->index->setEf(ef); }

// Many queries, one call: query q writes counts[q] results at q * k, closest first.
EMSCRIPTEN_KEEPALIVE int vh_search_batch(Handle* h, const float* queries, uint32_t nq, uint32_t k, int filtered,
                                         uint32_t* labels, float* distances, uint32_t* counts) {
  for (uint32_t q = 0; q < nq; q++) {
    int n = search_one(h, queries + static_cast<size_t>(q) * h->dim, k, filtered, labels + static_cast<size_t>(q) * k,
                       distances + static_cast<size_t>(q) * k);
    if (n < 0) return n;
    counts[q] = static_cast<uint32_t>(n);
  }
  return static_cast<int>(nq);
}

EMSCRIPTEN_KEEPALIVE int vh_get_vector(Handle* h, uint32_t label, float* out) {
  return guarded([&] {
    if (h->quantization == QUANT_INT8) {
      // An int8 index holds no float32 copy: the vector comes back dequantised.
      vicinity::int8_decode(element_data(*h->index, label), h->dim, out);
      return 0;
    }
    auto v = h->index->getDataByLabel<float>(label);
    std::memcpy(out, v.data(), v.size() * sizeof(float));
    return 0;
  });
}

EMSCRIPTEN_KEEPALIVE uint32_t vh_serialized_size(Handle* h) { return static_cast<uint32_t>(write_index(*h->index, nullptr)); }

EMSCRIPTEN_KEEPALIVE int vh_serialize(Handle* h, uint8_t* out, uint32_t len) {
  return guarded([&] {
    check(write_index(*h->index, nullptr) == len, "buffer size does not match the index");
    write_index(*h->index, out);
    return 0;
  });
}

}  // extern "C"

// ---------------------------------------------------------------------------
// Streaming save and load: the same layout as write_index / read_index, moved
// a window at a time, so that neither side holds a second copy of the index.
// ---------------------------------------------------------------------------
namespace {

// Bytes of hnswlib's header on wasm32: six size_t, an int, a tableint, three
// size_t, a double and a size_t, packed.
constexpr size_t kHeaderBytes = 6 * sizeof(size_t) + sizeof(int) + sizeof(tableint) + 3 * sizeof(size_t) +
                                sizeof(double) + sizeof(size_t);
static_assert(kHeaderBytes == 56, "the header is 56 bytes on wasm32, as src/native/nativeLayout.ts reads it");

size_t write_header(const Index& ix, uint8_t* out) {
  Writer w{out};
  w.pod(ix.offsetLevel0_);
  w.pod(ix.max_elements_);
  size_t count = ix.cur_element_count;
  w.pod(count);
  w.pod(ix.size_data_per_element_);
  w.pod(ix.label_offset_);
  w.pod(ix.offsetData_);
  w.pod(ix.maxlevel_);
  w.pod(ix.enterpoint_node_);
  w.pod(ix.maxM_);
  w.pod(ix.maxM0_);
  w.pod(ix.M_);
  w.pod(ix.mult_);
  w.pod(ix.ef_construction_);
  return w.at;
}

// A reader of the serialized layout that hands it out in order, window by
// window. The index must not change between vh_save_begin and vh_save_end.
struct SaveCursor {
  const Index* ix;
  uint8_t header[kHeaderBytes];
  size_t level0;
  size_t total;
  size_t pos = 0;
  size_t elem = 0;    // upper levels: the element being written
  size_t within = 0;  // bytes of its record (size, then links) already written

  unsigned int upper_size(size_t i) const {
    return ix->element_levels_[i] > 0 ? ix->size_links_per_element_ * ix->element_levels_[i] : 0;
  }

  size_t emit(uint8_t* out, size_t n) {
    size_t done = 0;
    while (done < n && pos < total) {
      size_t copy;
      if (pos < kHeaderBytes) {
        copy = std::min(n - done, kHeaderBytes - pos);
        std::memcpy(out + done, header + pos, copy);
      } else if (pos < kHeaderBytes + level0) {
        const size_t at = pos - kHeaderBytes;
        copy = std::min(n - done, level0 - at);
        std::memcpy(out + done, ix->data_level0_memory_ + at, copy);
      } else {
        const unsigned int size = upper_size(elem);
        const size_t record = sizeof(unsigned int) + size;
        if (within < sizeof(unsigned int)) {
          copy = std::min(n - done, sizeof(unsigned int) - within);
          std::memcpy(out + done, reinterpret_cast<const uint8_t*>(&size) + within, copy);
        } else {
          copy = std::min(n - done, record - within);
          std::memcpy(out + done, ix->linkLists_[elem] + (within - sizeof(unsigned int)), copy);
        }
        within += copy;
        if (within == record) {
          elem++;
          within = 0;
        }
      }
      done += copy;
      pos += copy;
    }
    return done;
  }
};

// A push parser of the layout: the header, then level 0 straight into the
// index's own memory, then the upper link lists; every size is checked
// against the length announced at the start, and vh_load_end runs the same
// link checks as read_index.
struct LoadCursor {
  Handle* h = nullptr;
  Index* ix = nullptr;
  size_t total;
  size_t capacity;
  uint8_t header[kHeaderBytes];
  size_t count = 0;
  size_t level0 = 0;
  size_t pos = 0;
  size_t elem = 0;
  size_t within = 0;
  unsigned int size = 0;
  bool failed = false;

  ~LoadCursor() {
    delete ix;
    delete h;
  }

  void parse_header() {
    const uint8_t* p = header;
    auto take = [&p](auto& v) {
      std::memcpy(&v, p, sizeof(v));
      p += sizeof(v);
    };
    ix = new Index(h->space);
    take(ix->offsetLevel0_);
    take(ix->max_elements_);
    take(count);
    take(ix->size_data_per_element_);
    take(ix->label_offset_);
    take(ix->offsetData_);
    take(ix->maxlevel_);
    take(ix->enterpoint_node_);
    take(ix->maxM_);
    take(ix->maxM0_);
    take(ix->M_);
    take(ix->mult_);
    take(ix->ef_construction_);

    const size_t data_size = h->space->get_data_size();
    const size_t links0 = ix->maxM0_ * sizeof(tableint) + sizeof(linklistsizeint);
    check(ix->M_ >= 2 && ix->M_ <= 10000, "M out of range");
    check(ix->maxM_ == ix->M_ && ix->maxM0_ == 2 * ix->M_, "link widths do not match M");
    check(ix->offsetLevel0_ == 0 && ix->offsetData_ == links0, "unknown level-0 layout");
    check(ix->label_offset_ == links0 + data_size, "vector size does not match the dimensions");
    check(ix->size_data_per_element_ == links0 + data_size + sizeof(labeltype), "element size mismatch");
    check(count <= ix->max_elements_ && count < (1u << 31), "element count out of range");
    check(std::isfinite(ix->mult_) && ix->mult_ > 0, "level multiplier invalid");
    check(count == 0 ? ix->maxlevel_ == -1 || ix->maxlevel_ == 0 : ix->maxlevel_ >= 0 && ix->maxlevel_ < 64,
          "top level out of range");
    check(count == 0 || ix->enterpoint_node_ < count, "entry point out of range");
    check(count <= (total - kHeaderBytes) / ix->size_data_per_element_, "index bytes end early");

    const size_t max_elements = std::max(capacity, count);
    ix->max_elements_ = max_elements;
    ix->data_size_ = data_size;
    ix->fstdistfunc_ = h->space->get_dist_func();
    ix->dist_func_param_ = h->space->get_dist_func_param();
    ix->size_links_per_element_ = ix->maxM_ * sizeof(tableint) + sizeof(linklistsizeint);
    ix->size_links_level0_ = links0;
    ix->revSize_ = 1.0 / ix->mult_;
    ix->ef_ = 10;
    ix->allow_replace_deleted_ = true;

    ix->data_level0_memory_ = static_cast<char*>(malloc(max_elements * ix->size_data_per_element_));
    ix->linkLists_ = static_cast<char**>(calloc(max_elements, sizeof(void*)));
    if (!ix->data_level0_memory_ || !ix->linkLists_) throw std::bad_alloc();
    std::vector<std::mutex>(max_elements).swap(ix->link_list_locks_);
    std::vector<std::mutex>(Index::MAX_LABEL_OPERATION_LOCKS).swap(ix->label_op_locks_);
    ix->visited_list_pool_.reset(new hnswlib::VisitedListPool(1, max_elements));
    ix->element_levels_ = std::vector<int>(max_elements);
    level0 = count * ix->size_data_per_element_;
  }

  // Called once level 0 is complete: the labels are in place.
  void index_labels() {
    ix->cur_element_count = count;
    for (size_t i = 0; i < count; i++) {
      const labeltype label = ix->getExternalLabel(static_cast<tableint>(i));
      check(ix->label_lookup_.emplace(label, static_cast<tableint>(i)).second, "a label appears twice");
    }
  }

  void feed(const uint8_t* in, size_t n) {
    check(n <= total - pos, "bytes left over after the index");
    size_t done = 0;
    while (done < n) {
      size_t copy;
      if (pos < kHeaderBytes) {
        copy = std::min(n - done, kHeaderBytes - pos);
        std::memcpy(header + pos, in + done, copy);
        if (pos + copy == kHeaderBytes) parse_header();
      } else if (pos < kHeaderBytes + level0) {
        const size_t at = pos - kHeaderBytes;
        copy = std::min(n - done, level0 - at);
        std::memcpy(ix->data_level0_memory_ + at, in + done, copy);
      } else {
        check(elem < count, "bytes left over after the index");
        if (within < sizeof(unsigned int)) {
          copy = std::min(n - done, sizeof(unsigned int) - within);
          std::memcpy(reinterpret_cast<uint8_t*>(&size) + within, in + done, copy);
          if (within + copy == sizeof(unsigned int)) {
            check(size % ix->size_links_per_element_ == 0, "link list size is not a whole number of levels");
            const size_t levels = size / ix->size_links_per_element_;
            check(levels <= static_cast<size_t>(ix->maxlevel_), "element above the top level");
            check(size <= total - (pos + copy), "index bytes end early");
            ix->element_levels_[elem] = static_cast<int>(levels);
            if (size) {
              ix->linkLists_[elem] = static_cast<char*>(malloc(size));
              if (!ix->linkLists_[elem]) throw std::bad_alloc();
            }
          }
        } else {
          copy = std::min(n - done, sizeof(unsigned int) + size - within);
          std::memcpy(ix->linkLists_[elem] + (within - sizeof(unsigned int)), in + done, copy);
        }
        within += copy;
        if (within == sizeof(unsigned int) + size) {
          elem++;
          within = 0;
          size = 0;
        }
      }
      done += copy;
      pos += copy;
      if (ix && pos == kHeaderBytes + level0 && ix->cur_element_count == 0 && count > 0) index_labels();
    }
  }

  Index* finish() {
    check(pos == total && pos >= kHeaderBytes && elem == count, "index bytes end early");
    // Every link must point at an element that exists.
    for (size_t i = 0; i < count; i++) {
      for (int level = 0; level <= ix->element_levels_[i]; level++) {
        linklistsizeint* list = ix->get_linklist_at_level(static_cast<tableint>(i), level);
        const size_t n = ix->getListCount(list);
        check(n <= (level == 0 ? ix->maxM0_ : ix->maxM_), "too many links");
        const tableint* links = reinterpret_cast<const tableint*>(list + 1);
        for (size_t j = 0; j < n; j++) check(links[j] < count, "link to a missing element");
      }
      if (ix->isMarkedDeleted(static_cast<tableint>(i))) {
        ix->num_deleted_ += 1;
        ix->deleted_elements.insert(static_cast<tableint>(i));
      }
    }
    if (count > 0) check(ix->element_levels_[ix->enterpoint_node_] == ix->maxlevel_, "entry point is not on top");
    Index* done = ix;
    ix = nullptr;
    return done;
  }
};

}  // namespace

extern "C" {

// Starts a streaming save; returns NULL on failure. vh_save_size tells the length.
EMSCRIPTEN_KEEPALIVE SaveCursor* vh_save_begin(Handle* h) {
  SaveCursor* c = nullptr;
  int rc = guarded([&] {
    c = new SaveCursor();
    c->ix = h->index;
    write_header(*h->index, c->header);
    c->level0 = h->index->cur_element_count * h->index->size_data_per_element_;
    c->total = write_index(*h->index, nullptr);
    return 0;
  });
  if (rc < 0) {
    delete c;
    return nullptr;
  }
  return c;
}

EMSCRIPTEN_KEEPALIVE uint32_t vh_save_size(SaveCursor* c) { return static_cast<uint32_t>(c->total); }

// Writes the next bytes of the layout, at most len; returns how many (0 at the end).
EMSCRIPTEN_KEEPALIVE int vh_save_read(SaveCursor* c, uint8_t* out, uint32_t len) {
  return guarded([&] { return static_cast<int>(c->emit(out, len)); });
}

EMSCRIPTEN_KEEPALIVE void vh_save_end(SaveCursor* c) { delete c; }

// Starts a streaming load of `total` bytes; returns NULL on failure.
EMSCRIPTEN_KEEPALIVE LoadCursor* vh_load_begin(int metric, uint32_t dim, uint32_t total, uint32_t capacity,
                                                int quantization) {
  if (!valid_quantization(quantization)) return nullptr;
  LoadCursor* c = nullptr;
  int rc = guarded([&] {
    c = new LoadCursor();
    c->h = new Handle{metric, dim, quantization, make_space(metric, dim, quantization)};
    c->total = total;
    c->capacity = capacity;
    return 0;
  });
  if (rc < 0) {
    delete c;
    return nullptr;
  }
  return c;
}

// Feeds the next bytes in order; after a failure every later call fails too.
EMSCRIPTEN_KEEPALIVE int vh_load_feed(LoadCursor* c, const uint8_t* bytes, uint32_t len) {
  if (c->failed) return -1;
  int rc = guarded([&] {
    c->feed(bytes, len);
    return 0;
  });
  if (rc < 0) c->failed = true;
  return rc;
}

// Checks the whole and returns the loaded index, or NULL; frees the cursor either way.
EMSCRIPTEN_KEEPALIVE Handle* vh_load_end(LoadCursor* c) {
  Handle* h = nullptr;
  if (!c->failed) {
    guarded([&] {
      c->h->index = c->finish();
      h = c->h;
      c->h = nullptr;
      return 0;
    });
  } else if (last_error.empty()) {
    last_error = "index bytes are malformed";
  }
  delete c;
  return h;
}

EMSCRIPTEN_KEEPALIVE void vh_load_abort(LoadCursor* c) { delete c; }

}  // extern "C"
