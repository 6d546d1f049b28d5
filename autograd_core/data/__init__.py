"""Data: datasets, mini-batch loading and augmentation.

    from autograd_core.data import DataLoader, TensorDataset, transforms, Digits
"""

from . import transforms
from .dataloader import DataLoader, default_collate, get_worker_info, to_device
from .dataset import (
                      ChainDataset,
                      ConcatDataset,
                      Dataset,
                      IterableDataset,
                      StackDataset,
                      Subset,
                      TensorDataset,
                      random_split,
)
from .datasets import CIFAR10, MNIST, DatasetFileError, Digits, FashionMNIST, download_url, read_cifar_bin, read_idx
from .sampler import (
                      BatchSampler,
                      RandomSampler,
                      Sampler,
                      SequentialSampler,
                      SubsetRandomSampler,
                      WeightedRandomSampler,
)
