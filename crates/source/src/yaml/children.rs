//! The children of a mapping or a sequence, shared between copies of a node.
//!
//! Builds copy objects and change a field or two of the copy (kustomize's
//! `namespace`, a patch, Flux's substitutions). A copy of a node shares its
//! children (one reference count), and a change to a copy copies only the
//! levels on the way to the changed node: the rest of the object stays
//! shared with the original. The children are one allocation of exactly
//! their number, so a tree as read holds no spare capacity either.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// The items of a sequence or the entries of a mapping, in order.
#[derive(Debug, PartialEq)]
pub struct Children<T>(Arc<[T]>);

impl<T> Children<T> {
    /// No children.
    pub fn new() -> Children<T> {
        Children(Arc::from([]))
    }
}

impl<T: Clone> Children<T> {
    /// Changes the children as a vector (to add or remove some): the list is
    /// copied, each child shallowly. [`Children::push`], `remove` and
    /// `insert` copy it too: to add many children, edit once.
    pub fn edit<R>(&mut self, change: impl FnOnce(&mut Vec<T>) -> R) -> R {
        let mut children = self.0.to_vec();
        let result = change(&mut children);
        self.0 = children.into();
        result
    }

    /// Appends `child`.
    pub fn push(&mut self, child: T) {
        self.edit(|children| children.push(child));
    }

    /// Removes and returns the child at `index` (which must be in range).
    pub fn remove(&mut self, index: usize) -> T {
        self.edit(|children| children.remove(index))
    }

    /// Inserts `child` at `index` (at most the length).
    pub fn insert(&mut self, index: usize, child: T) {
        self.edit(|children| children.insert(index, child));
    }

    /// The children, owned (copied shallowly when another node shares them).
    pub fn into_vec(self) -> Vec<T> {
        self.0.to_vec()
    }
}

impl<T> Clone for Children<T> {
    fn clone(&self) -> Self {
        Children(Arc::clone(&self.0))
    }
}

impl<T> Default for Children<T> {
    fn default() -> Self {
        Children::new()
    }
}

impl<T> From<Vec<T>> for Children<T> {
    fn from(children: Vec<T>) -> Self {
        Children(children.into())
    }
}

impl<T> FromIterator<T> for Children<T> {
    fn from_iter<I: IntoIterator<Item = T>>(children: I) -> Self {
        Children(children.into_iter().collect())
    }
}

impl<T> Deref for Children<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// Mutable access copies the list first when another node shares it.
impl<T: Clone> DerefMut for Children<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: Clone> IntoIterator for Children<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Children<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Copies the list first when another node shares it.
impl<'a, T: Clone> IntoIterator for &'a mut Children<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_a_copy_leaves_the_original_as_it_was() {
        let original: Children<String> = vec!["a".to_string(), "b".to_string()].into();
        let mut copy = original.clone();
        copy[0] = "changed".to_string();
        copy.push("c".to_string());
        assert_eq!(&*original, ["a", "b"]);
        assert_eq!(&*copy, ["changed", "b", "c"]);
        assert_eq!(copy.remove(1), "b");
        assert_eq!(copy.into_vec(), ["changed", "c"]);
    }
}
