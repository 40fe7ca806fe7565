//! Pagination: turn "fetch one page" into a `Stream` of items or pages.
//!
//! Two schemes cover both APIs:
//! - **Page numbers** ([`page_numbered`]): eCom's `page` (from 1) and `limit` (at most 250).
//!   Lists carry no metadata, so the walk ends on a page shorter than `limit`.
//! - **Cursors** ([`cursor_pages`], [`cursor_items`]): X-Series' version cursor (`after` =
//!   the previous page's `version.max`, until an empty page) and eCom's `since_id` walk for deep
//!   listings. Each page says the cursor of the next one; the walk ends when a page is empty
//!   or names no next cursor.
//!
//! Both guard against an API that does not move: a cursor that does not advance, or a page
//! number that returns the same page again, ends the stream with [`Error::Pagination`] instead
//! of looping forever. Every stream stops after its first error.

use std::fmt::Debug;
use std::future::Future;

use futures::future;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, RequestInfo, Result};

/// eCom's largest page size.
pub const ECOM_MAX_LIMIT: u32 = 250;

/// Streams the items of a page-numbered listing.
///
/// `fetch(page)` loads page `page` (1, 2, ...) with `limit` items at most. `key` identifies an
/// item (usually its id): if a page starts with the same item as the page before, the API is
/// ignoring the page number and the stream ends with an error.
pub fn page_numbered<T, K, F, Fut>(
    request: RequestInfo,
    limit: u32,
    key: impl Fn(&T) -> K,
    mut fetch: F,
) -> impl Stream<Item = Result<T>>
where
    K: PartialEq,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Vec<T>>>,
{
    let limit = limit.max(1) as usize;
    // (next page number, whether the previous page was the last)
    let pages = stream::unfold((1u32, false), move |(page, done)| {
        let fetched = (!done).then(|| fetch(page));
        async move {
            match fetched?.await {
                Ok(items) => {
                    let last = items.len() < limit;
                    Some((Ok((page, items)), (page + 1, last)))
                }
                Err(error) => Some((Err(error), (page, true))),
            }
        }
    });
    // The guard runs synchronously on each page, so it may use `key` by reference.
    let mut previous_first: Option<K> = None;
    let mut stopped = false;
    pages
        .take_while(|page| future::ready(!matches!(page, Ok((_, items)) if items.is_empty())))
        .scan((), move |_, page| {
            if stopped {
                return future::ready(None);
            }
            let checked = page.and_then(|(number, items)| {
                let first = items.first().map(&key);
                if first.is_some() && first == previous_first {
                    return Err(Error::Pagination {
                        request: request.clone(),
                        message: format!(
                            "page {number} starts with the same item as page {}; the API ignores the page number",
                            number - 1
                        ),
                    });
                }
                previous_first = first;
                Ok(items)
            });
            stopped = checked.is_err();
            future::ready(Some(checked))
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
}

/// One page of a cursor-paged listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T, C> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor of the next page (X-Series: `version.max`), or `None` when this is the last.
    pub next: Option<C>,
}

/// Streams the pages of a cursor-paged listing, starting at `start`.
///
/// Yielding whole pages lets a sync checkpoint `page.next` once the page is stored: after a
/// crash it resumes from there. The walk ends on an empty page or one with no `next`; a `next`
/// that is not greater than the cursor used to fetch the page ends it with an error.
pub fn cursor_pages<T, C, F, Fut>(
    request: RequestInfo,
    start: C,
    mut fetch: F,
) -> impl Stream<Item = Result<CursorPage<T, C>>>
where
    C: PartialOrd + Clone + Debug,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<CursorPage<T, C>>>,
{
    stream::unfold(Some(start), move |cursor| {
        let fetched = cursor.clone().map(|c| (c.clone(), fetch(c)));
        let request = request.clone();
        async move {
            let (cursor, fetched) = fetched?;
            let page = match fetched.await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), None)),
            };
            if page.items.is_empty() {
                return None;
            }
            match &page.next {
                Some(next) if next <= &cursor => {
                    let error = Error::Pagination {
                        request,
                        message: format!(
                            "the cursor did not advance (fetched after {cursor:?}, the page says next is {next:?})"
                        ),
                    };
                    Some((Err(error), None))
                }
                next => {
                    let next = next.clone();
                    Some((Ok(page), next))
                }
            }
        }
    })
}

/// Streams the items of a cursor-paged listing; see [`cursor_pages`].
pub fn cursor_items<T, C, F, Fut>(
    request: RequestInfo,
    start: C,
    fetch: F,
) -> impl Stream<Item = Result<T>>
where
    C: PartialOrd + Clone + Debug,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<CursorPage<T, C>>>,
{
    cursor_pages(request, start, fetch)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures::StreamExt;
    use http::Method;

    use super::*;

    fn info() -> RequestInfo {
        RequestInfo::new(Method::GET, "nl/products.json")
    }

    #[tokio::test]
    async fn page_numbers_stop_on_a_short_page() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let items: Vec<u32> = page_numbered(
            info(),
            3,
            |i: &u32| *i,
            move |page| {
                seen.lock().unwrap().push(page);
                async move {
                    Ok(match page {
                        1 => vec![1, 2, 3],
                        2 => vec![4, 5, 6],
                        3 => vec![7],
                        _ => panic!("fetched past the short page"),
                    })
                }
            },
        )
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, (1..=7).collect::<Vec<_>>());
        assert_eq!(*calls.lock().unwrap(), vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn page_numbers_stop_on_an_empty_page_after_full_ones() {
        let items: Vec<u32> = page_numbered(
            info(),
            2,
            |i: &u32| *i,
            |page| async move { Ok(if page == 1 { vec![1, 2] } else { vec![] }) },
        )
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_page_number_the_api_ignores_is_an_error_not_a_loop() {
        let results: Vec<Result<u32>> =
            page_numbered(info(), 2, |i: &u32| *i, |_| async { Ok(vec![1, 2]) })
                .collect()
                .await;
        assert_eq!(results.len(), 3, "two items, then the error, then nothing");
        assert!(matches!(results[2], Err(Error::Pagination { .. })));
    }

    #[tokio::test]
    async fn errors_end_the_stream() {
        let results: Vec<Result<u32>> = page_numbered(
            info(),
            2,
            |i: &u32| *i,
            |page| async move {
                if page == 1 {
                    Ok(vec![1, 2])
                } else {
                    Err(Error::config("boom"))
                }
            },
        )
        .collect()
        .await;
        assert_eq!(results.len(), 3);
        assert!(results[2].is_err());
    }

    #[tokio::test]
    async fn cursors_walk_until_an_empty_page() {
        let afters = Arc::new(Mutex::new(Vec::new()));
        let seen = afters.clone();
        let pages: Vec<CursorPage<&str, i64>> = cursor_pages(info(), 0i64, move |after| {
            seen.lock().unwrap().push(after);
            async move {
                Ok(match after {
                    0 => CursorPage {
                        items: vec!["a", "b"],
                        next: Some(12),
                    },
                    12 => CursorPage {
                        items: vec!["c"],
                        next: Some(30),
                    },
                    _ => CursorPage {
                        items: vec![],
                        next: None,
                    },
                })
            }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(
            pages[1].next,
            Some(30),
            "the checkpoint after the last page"
        );
        assert_eq!(*afters.lock().unwrap(), vec![0, 12, 30]);
    }

    #[tokio::test]
    async fn a_page_without_a_next_cursor_is_the_last() {
        let items: Vec<u8> = cursor_items(info(), 0u64, |_| async {
            Ok(CursorPage {
                items: vec![1, 2],
                next: None,
            })
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_cursor_that_does_not_advance_is_an_error_not_a_loop() {
        let results: Vec<Result<u8>> = cursor_items(info(), 5u64, |after| async move {
            Ok(CursorPage {
                items: vec![1],
                next: Some(after),
            })
        })
        .collect()
        .await;
        assert_eq!(results.len(), 1);
        match &results[0] {
            Err(error @ Error::Pagination { .. }) => {
                assert!(error.to_string().contains("did not advance"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
